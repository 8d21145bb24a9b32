package io.remora.http.router;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Envoy's JitteredExponentialBackOffStrategy: the n-th wait is uniform in [0, base·2^(n-1)),
 * the interval doubling up to max (full jitter, so retries of many clients spread out).
 */
final class BackOff {
    private final long max;
    private long next;

    BackOff(long baseMillis, long maxMillis) {
        this.next = Math.max(1, baseMillis);
        this.max = Math.max(this.next, maxMillis);
    }

    long nextMillis() {
        long interval = next;
        next = next > max / 2 ? max : next * 2;
        return Math.min(ThreadLocalRandom.current().nextLong(interval), max);
    }
}
