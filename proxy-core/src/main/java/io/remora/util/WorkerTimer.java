package io.remora.util;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The per-request timeouts of one worker (event loop), armed and cancelled without a scheduled
 * task each. Nearly every request arms the same few durations (the route's timeout, the stream
 * idle timeout) and cancels them within milliseconds; scheduling each on the event loop cost a
 * {@code ScheduledFutureTask} and a priority-queue insert and removal per request.
 *
 * <p>Timeouts of one duration expire in the order they were armed, so each duration keeps a FIFO
 * list (intrusive, O(1) arm and cancel) and at most one task scheduled on the event loop, for the
 * head's deadline. A cancelled head leaves that task in place: when it runs it finds a later head
 * (or none) and schedules itself once more for it, so under steady traffic a duration costs about
 * one scheduled task per its own length, whatever the request rate. Timeouts never fire early;
 * they fire late only by the event loop's own scheduling delay.
 *
 * <p>Only the event loop's thread may use its timer. Durations past {@link #MAX_QUEUES} distinct
 * ones armed at once (a client choosing {@code x-envoy-upstream-rq-timeout-ms} per request, say)
 * fall back to the event loop's scheduler; a queue with nothing armed gives its slot up.
 */
public final class WorkerTimer {

    private static final Logger LOG = io.remora.log.Logging.logger("main");
    static final int MAX_QUEUES = 16;
    private static final FastThreadLocal<WorkerTimer> CURRENT = new FastThreadLocal<>();

    private final EventExecutor loop;
    private final DurationQueue[] queues = new DurationQueue[MAX_QUEUES];
    private int queueCount;

    private WorkerTimer(EventExecutor loop) {
        this.loop = loop;
    }

    /** The timer of {@code loop}; call on that loop's thread. */
    public static WorkerTimer of(EventExecutor loop) {
        WorkerTimer t = CURRENT.get();
        if (t == null || t.loop != loop) {
            // One loop per thread for real workers; a thread that drives several embedded loops
            // (tests) gets a timer per switch, which stays correct: armed timeouts keep their queue.
            t = new WorkerTimer(loop);
            CURRENT.set(t);
        }
        return t;
    }

    /**
     * Arms {@code t} to run after {@code delayNanos} (re-arming it if it was armed). A delay of
     * zero or less runs nothing: the caller treats it as "no timeout".
     */
    public void arm(Timeout t, long delayNanos) {
        t.cancel();
        if (delayNanos <= 0) {
            return;
        }
        long deadline = System.nanoTime() + delayNanos;
        DurationQueue q = queueFor(delayNanos);
        if (q == null) {
            t.fallback = loop.schedule(t, delayNanos, TimeUnit.NANOSECONDS);
            return;
        }
        q.append(t, deadline);
    }

    /** {@link #arm(Timeout, long)} in milliseconds. */
    public void armMillis(Timeout t, long delayMillis) {
        arm(t, delayMillis <= 0 ? 0 : TimeUnit.MILLISECONDS.toNanos(delayMillis));
    }

    private DurationQueue queueFor(long duration) {
        for (int i = 0; i < queueCount; i++) {
            if (queues[i].duration == duration) {
                return queues[i];
            }
        }
        if (queueCount == MAX_QUEUES) {
            // A drained queue's slot is taken over (its pending wake-up, if any, finds it empty),
            // so durations that come and go (a config change, a rescale) do not use the slots up.
            for (int i = 0; i < queueCount; i++) {
                if (queues[i].head == null) {
                    return queues[i] = new DurationQueue(duration);
                }
            }
            return null;
        }
        DurationQueue q = new DurationQueue(duration);
        queues[queueCount++] = q;
        return q;
    }

    /** Distinct durations with a queue (for tests). */
    int queueCount() {
        return queueCount;
    }

    /**
     * One timeout: a task, armed at most once at a time. Allocate it once per owner (a stream, a
     * filter) and re-arm it; {@link #cancel()} is idempotent. An owner made per request may extend
     * it instead, overriding {@link #fire()}: no timeout object and no task object of its own.
     */
    public static class Timeout implements Runnable {
        private final Runnable task;
        private DurationQueue queue;
        private Timeout prev;
        private Timeout next;
        private long deadline;
        private ScheduledFuture<?> fallback;

        public Timeout(Runnable task) {
            this.task = java.util.Objects.requireNonNull(task, "task");
        }

        /** For a subclass that overrides {@link #fire()}. */
        protected Timeout() {
            this.task = null;
        }

        /** What runs when the timeout expires: the task given. */
        protected void fire() {
            task.run();
        }

        public final boolean isArmed() {
            return queue != null || fallback != null;
        }

        public final void cancel() {
            if (queue != null) {
                queue.unlink(this);
            }
            if (fallback != null) {
                fallback.cancel(false);
                fallback = null;
            }
        }

        /** The fallback path's entry point (scheduled directly on the event loop). */
        @Override
        public final void run() {
            fallback = null;
            fire();
        }
    }

    /** The timeouts of one duration, oldest first: their deadlines ascend. */
    private final class DurationQueue implements Runnable {
        final long duration;
        Timeout head;
        Timeout tail;
        /** Scheduled for the deadline of the head it was scheduled for (or earlier); null if none. */
        ScheduledFuture<?> wakeup;

        DurationQueue(long duration) {
            this.duration = duration;
        }

        void append(Timeout t, long deadline) {
            t.queue = this;
            t.deadline = deadline;
            t.prev = tail;
            t.next = null;
            if (tail == null) {
                head = t;
            } else {
                tail.next = t;
            }
            tail = t;
            if (wakeup == null) {
                // Otherwise the pending wakeup is due no later than this deadline (FIFO).
                wakeup = loop.schedule(this, Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        }

        void unlink(Timeout t) {
            if (t.prev == null) {
                head = t.next;
            } else {
                t.prev.next = t.next;
            }
            if (t.next == null) {
                tail = t.prev;
            } else {
                t.next.prev = t.prev;
            }
            t.prev = null;
            t.next = null;
            t.queue = null;
        }

        @Override
        public void run() {
            wakeup = null;
            long now = System.nanoTime();
            Timeout t;
            while ((t = head) != null && t.deadline - now <= 0) {
                unlink(t);
                try {
                    t.fire();
                } catch (RuntimeException e) {
                    // One owner's failure must not keep the other timeouts from firing.
                    LOG.log(Level.WARNING, "a timeout's task failed", e);
                }
            }
            if (head != null && wakeup == null) {
                wakeup = loop.schedule(this, Math.max(0, head.deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        }
    }
}
