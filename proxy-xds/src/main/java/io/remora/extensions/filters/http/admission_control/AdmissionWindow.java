package io.remora.extensions.filters.http.admission_control;

import java.util.ArrayDeque;

/**
 * One worker's request history over the sampling window, as Envoy's ThreadLocalControllerImpl:
 * counts are kept in one-second buckets, buckets older than the window are dropped on each look,
 * and running totals make every look O(1) amortised. Confined to one event loop, so not locked.
 */
final class AdmissionWindow {

    private static final long GRANULARITY_NANOS = 1_000_000_000L;

    /** One second's counts, started at {@code start}. */
    private static final class Bucket {
        final long start;
        long requests;
        long successes;

        Bucket(long start) {
            this.start = start;
        }
    }

    private final long windowNanos;
    private final ArrayDeque<Bucket> history = new ArrayDeque<>();
    private long requests;
    private long successes;

    AdmissionWindow(long windowSeconds) {
        this.windowNanos = windowSeconds * GRANULARITY_NANOS;
    }

    void record(boolean success, long now) {
        Bucket b = current(now);
        b.requests++;
        requests++;
        if (success) {
            b.successes++;
            successes++;
        }
    }

    long requests(long now) {
        current(now);
        return requests;
    }

    long successes() {
        return successes;
    }

    /**
     * The window's requests per second: the total over the window, or over the age of the oldest
     * sample when that is longer (whole seconds, as Envoy's); 0 without samples.
     */
    long averageRps(long now) {
        if (history.isEmpty() || requests == 0) {
            return 0;
        }
        long seconds = Math.max(windowNanos, now - history.peekFirst().start) / GRANULARITY_NANOS;
        return requests / Math.max(1, seconds);
    }

    private Bucket current(long now) {
        Bucket oldest;
        while ((oldest = history.peekFirst()) != null && now - oldest.start >= windowNanos) {
            history.pollFirst();
            requests -= oldest.requests;
            successes -= oldest.successes;
        }
        Bucket newest = history.peekLast();
        if (newest == null || now - newest.start >= GRANULARITY_NANOS) {
            newest = new Bucket(now);
            history.addLast(newest);
        }
        return newest;
    }
}
