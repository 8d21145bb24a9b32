package io.remora.util;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One worker's long-lived deadlines, one per owner, in a binary heap of the owners themselves,
 * with one task scheduled on the event loop for the earliest. For owners that live as long as a
 * connection and keep a deadline all that time (a downstream connection's idle timeout): a
 * scheduled task each ({@code ScheduledFutureTask}, 64 B, and its slot in the loop's queue) is
 * held by every idle connection, where an entry here costs its slot (a reference and a long).
 * Unlike {@link WorkerTimer} the deadlines need not arrive in order: the owner re-arms for
 * whatever is left.
 *
 * <p>Deadlines never fire early; they fire late only by the event loop's own scheduling delay.
 * An earlier deadline than the pending wake-up's reschedules it; a later one leaves it, and the
 * wake-up, finding nothing due, schedules itself for the new earliest. Only the event loop's
 * thread may use it.
 */
public final class DeadlineHeap implements Runnable {

    private static final Logger LOG = io.remora.log.Logging.logger("main");
    private static final int INITIAL_CAPACITY = 16;

    /** An owner of one deadline: it keeps its place in the heap, which nothing else may touch. */
    public interface Entry {
        /** The entry's place in the heap plus one; 0 when it holds no deadline. */
        int heapSlot();

        void heapSlot(int slot);

        /** The deadline passed; the entry is out of the heap (it may arm again). */
        void onDeadline();
    }

    private final EventExecutor loop;
    private Entry[] entries;
    private long[] deadlines;
    private int size;
    private ScheduledFuture<?> wakeup;
    private long wakeupAt;

    public DeadlineHeap(EventExecutor loop) {
        this.loop = loop;
    }

    /** Whether {@code e} holds a deadline here. */
    public boolean contains(Entry e) {
        return e.heapSlot() != 0;
    }

    /** The deadline {@code e} holds ({@link System#nanoTime()} based); only when it holds one. */
    public long deadline(Entry e) {
        return deadlines[e.heapSlot() - 1];
    }

    /** {@code e} runs at {@code deadlineNanos}, in place of any deadline it held. */
    public void schedule(Entry e, long deadlineNanos) {
        int i = e.heapSlot() - 1;
        if (i < 0) {
            if (entries == null) {
                entries = new Entry[INITIAL_CAPACITY];
                deadlines = new long[INITIAL_CAPACITY];
            } else if (size == entries.length) {
                entries = Arrays.copyOf(entries, size * 2);
                deadlines = Arrays.copyOf(deadlines, size * 2);
            }
            i = size++;
            place(e, deadlineNanos, i);
            siftUp(i);
        } else {
            long old = deadlines[i];
            deadlines[i] = deadlineNanos;
            if (deadlineNanos - old < 0) {
                siftUp(i);
            } else {
                siftDown(i);
            }
        }
        if (wakeup == null || deadlines[0] - wakeupAt < 0) {
            armWakeup();
        }
    }

    /** {@code e} holds no deadline any more. The pending wake-up stays: it finds the next one. */
    public void remove(Entry e) {
        int i = e.heapSlot() - 1;
        if (i < 0) {
            return;
        }
        e.heapSlot(0);
        int last = --size;
        if (i != last) {
            Entry moved = entries[last];
            long d = deadlines[last];
            entries[last] = null;
            place(moved, d, i);
            siftDown(i);
            if (entries[i] == moved) {
                siftUp(i);
            }
        } else {
            entries[last] = null;
        }
        // A burst of connections gone: the arrays shrink, as they grew, by halves.
        if (entries.length > INITIAL_CAPACITY && size < entries.length / 4) {
            entries = Arrays.copyOf(entries, entries.length / 2);
            deadlines = Arrays.copyOf(deadlines, deadlines.length / 2);
        }
    }

    /** Deadlines held (for tests). */
    int size() {
        return size;
    }

    /** The wake-up: every deadline due fires, then it waits for the next. */
    @Override
    public void run() {
        wakeup = null;
        long now = System.nanoTime();
        // An entry that arms again for a time already past fires on the next wake-up, not in this
        // loop: at most the entries held now fire in it.
        for (int n = size; n > 0 && size > 0 && deadlines[0] - now <= 0; n--) {
            Entry e = entries[0];
            remove(e);
            try {
                e.onDeadline();
            } catch (RuntimeException ex) {
                // One owner's failure must not keep the other deadlines from firing.
                LOG.log(Level.WARNING, "a deadline's task failed", ex);
            }
        }
        if (size > 0 && wakeup == null) {
            armWakeup();
        }
    }

    private void armWakeup() {
        if (wakeup != null) {
            wakeup.cancel(false);
        }
        wakeupAt = deadlines[0];
        wakeup = loop.schedule(this, Math.max(0, wakeupAt - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    private void place(Entry e, long deadline, int i) {
        entries[i] = e;
        deadlines[i] = deadline;
        e.heapSlot(i + 1);
    }

    private void siftUp(int i) {
        Entry e = entries[i];
        long d = deadlines[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (deadlines[parent] - d <= 0) {
                break;
            }
            place(entries[parent], deadlines[parent], i);
            i = parent;
        }
        place(e, d, i);
    }

    private void siftDown(int i) {
        Entry e = entries[i];
        long d = deadlines[i];
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            int right = child + 1;
            if (right < size && deadlines[right] - deadlines[child] < 0) {
                child = right;
            }
            if (d - deadlines[child] <= 0) {
                break;
            }
            place(entries[child], deadlines[child], i);
            i = child;
        }
        place(e, d, i);
    }
}
