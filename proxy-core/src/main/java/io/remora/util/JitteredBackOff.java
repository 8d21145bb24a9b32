package io.remora.util;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Envoy's JitteredExponentialBackOffStrategy, for retries and for the xDS stream alike: the n-th
 * wait is uniform in [0, base·2^(n-1)), the interval doubling up to max (full jitter, so many
 * clients retrying at once spread out). Not thread-safe.
 */
public final class JitteredBackOff {
    private final long base;
    private final long max;
    private long next;

    public JitteredBackOff(long baseMillis, long maxMillis) {
        this.base = Math.max(1, baseMillis);
        this.max = Math.max(this.base, maxMillis);
        this.next = base;
    }

    public long nextMillis() {
        long interval = next;
        next = next > max / 2 ? max : next * 2;
        return Math.min(ThreadLocalRandom.current().nextLong(interval), max);
    }

    /** Starts over from the base interval (a connection succeeded). */
    public void reset() {
        next = base;
    }
}
