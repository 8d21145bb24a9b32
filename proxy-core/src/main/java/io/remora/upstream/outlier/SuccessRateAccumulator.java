package io.remora.upstream.outlier;

import java.util.concurrent.atomic.LongAdder;

/**
 * Requests and successes of one host in two buckets, as Envoy keeps them: workers write the
 * current bucket; at each interval the detector swaps and reads the one just finished.
 */
final class SuccessRateAccumulator {
    private static final class Bucket {
        final LongAdder total = new LongAdder();
        final LongAdder success = new LongAdder();
    }

    private volatile Bucket current = new Bucket();
    private Bucket backup = new Bucket();

    void request(boolean success) {
        Bucket b = current;
        b.total.increment();
        if (success) {
            b.success.increment();
        }
    }

    /** Detector thread: starts a new interval. */
    void swap() {
        Bucket next = backup;
        next.total.reset();
        next.success.reset();
        backup = current;
        current = next;
    }

    /** The finished interval's volume (detector thread). */
    long volume() {
        return backup.total.sum();
    }

    /** The finished interval's success rate in percent, or -1 without requests (detector thread). */
    double successRate() {
        long total = backup.total.sum();
        return total == 0 ? -1 : backup.success.sum() * 100.0 / total;
    }
}
