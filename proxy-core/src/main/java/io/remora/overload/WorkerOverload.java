package io.remora.overload;

import io.micrometer.core.instrument.Counter;
import io.netty.util.concurrent.EventExecutor;

import java.util.ArrayList;
import java.util.List;

/**
 * One worker's (event loop's) part of the overload manager, confined to that loop: the downstream
 * streams it runs, so {@code reset_high_memory_stream} can find those holding the most buffered
 * body, and the connections whose timers {@code reduce_timeouts} re-evaluates when its strength
 * changes. Registration is an intrusive list link, nothing allocated per stream.
 */
public final class WorkerOverload {

    /** Envoy resets at most this many streams per worker per invocation (its hard-coded limit). */
    static final int MAX_RESETS_PER_INVOCATION = 50;
    /** Envoy's number of memory classes (buckets) of tracked streams. */
    static final int MEMORY_CLASSES = 8;

    /** A stream or connection this worker tracks; one list at a time. */
    public abstract static class Tracked {
        private Tracked prev;
        private Tracked next;
        private WorkerOverload owner;

        /** Bytes of body this stream holds in buffers (filters, retry copy, unsent writes). */
        protected long bufferedBytes() {
            return 0;
        }

        /** reset_high_memory_stream chose this stream: reset it (response flag OM). */
        protected void resetForOverload() {
        }

        /** reduce_timeouts changed strength: re-arm this connection's timers with the new scale. */
        protected void onTimerScaleChanged() {
        }

        /** The worker tracking this one; null when it is not tracked (not yet, or no longer). */
        protected final WorkerOverload tracker() {
            return owner;
        }
    }

    final EventExecutor loop;
    /**
     * The deadlines of this worker's downstream connections (their idle timers): one scheduled
     * task for all of them, none held by each connection.
     */
    public final io.remora.util.DeadlineHeap connectionDeadlines;
    private final Counter streamsReset;
    private Tracked streams;
    private Tracked connections;

    WorkerOverload(EventExecutor loop, Counter streamsReset) {
        this.loop = loop;
        this.streamsReset = streamsReset;
        this.connectionDeadlines = new io.remora.util.DeadlineHeap(loop);
    }

    public void addStream(Tracked t) {
        streams = link(streams, t);
    }

    public void removeStream(Tracked t) {
        streams = unlink(streams, t);
    }

    public void addConnection(Tracked t) {
        connections = link(connections, t);
    }

    public void removeConnection(Tracked t) {
        connections = unlink(connections, t);
    }

    private Tracked link(Tracked head, Tracked t) {
        if (t.owner != null) {
            return head;
        }
        t.owner = this;
        t.prev = null;
        t.next = head;
        if (head != null) {
            head.prev = t;
        }
        return t;
    }

    private Tracked unlink(Tracked head, Tracked t) {
        if (t.owner != this) {
            return head;
        }
        t.owner = null;
        if (t.prev != null) {
            t.prev.next = t.next;
        } else {
            head = t.next;
        }
        if (t.next != null) {
            t.next.prev = t.prev;
        }
        t.prev = null;
        t.next = null;
        return head;
    }

    /**
     * Envoy's {@code resetAccountsGivenPressure}: streams holding at least {@code 2^minPowerOfTwo}
     * bytes fall in 8 power-of-two classes; at strength {@code s} the top {@code floor(8s) + 1}
     * classes are eligible, the largest first, at most 50 streams per call.
     */
    void resetHighMemoryStreams(double strength, int minPowerOfTwo) {
        int bucketsToClear = Math.min((int) Math.floor(strength * MEMORY_CLASSES) + 1, MEMORY_CLASSES);
        int lowest = MEMORY_CLASSES - bucketsToClear;
        List<List<Tracked>> classes = new ArrayList<>(MEMORY_CLASSES);
        for (int i = 0; i < MEMORY_CLASSES; i++) {
            classes.add(new ArrayList<>());
        }
        for (Tracked t = streams; t != null; t = t.next) {
            int c = memoryClass(t.bufferedBytes(), minPowerOfTwo);
            if (c >= lowest) {
                classes.get(c).add(t);
            }
        }
        int reset = 0;
        for (int c = MEMORY_CLASSES - 1; c >= lowest && reset < MAX_RESETS_PER_INVOCATION; c--) {
            for (Tracked t : classes.get(c)) {
                if (reset == MAX_RESETS_PER_INVOCATION) {
                    break;
                }
                reset++;
                streamsReset.increment();
                t.resetForOverload();
            }
        }
    }

    /** The memory class of a stream holding {@code bytes}: -1 below the tracked minimum, else 0..7. */
    static int memoryClass(long bytes, int minPowerOfTwo) {
        if (bytes <= 0 || minPowerOfTwo >= 63 || bytes >> minPowerOfTwo == 0) {
            return -1;
        }
        int shifted = 63 - Long.numberOfLeadingZeros(bytes >> minPowerOfTwo);
        return Math.min(shifted, MEMORY_CLASSES - 1);
    }

    /**
     * Runs {@code action} for each connection tracked on this worker (on its event loop); the
     * action may close them.
     */
    public void forEachConnection(java.util.function.Consumer<Tracked> action) {
        List<Tracked> copy = new ArrayList<>();
        for (Tracked t = connections; t != null; t = t.next) {
            copy.add(t);
        }
        copy.forEach(action);
    }

    void timerScaleChanged() {
        List<Tracked> copy = new ArrayList<>();
        for (Tracked t = connections; t != null; t = t.next) {
            copy.add(t);
        }
        for (Tracked t : copy) {
            t.onTimerScaleChanged();
        }
    }
}
