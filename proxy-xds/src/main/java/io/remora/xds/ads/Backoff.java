package io.remora.xds.ads;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Envoy's jittered exponential back-off for the xDS stream: a uniform delay in [0, min(base * 2^n, max)),
 * with Envoy's defaults of 500 ms and 30 s; reset once a response arrives on the new stream.
 */
final class Backoff {
    static final long DEFAULT_BASE_MS = 500;
    static final long DEFAULT_MAX_MS = 30_000;

    private final long baseMs;
    private final long maxMs;
    private int attempt;

    Backoff(long baseMs, long maxMs) {
        this.baseMs = baseMs;
        this.maxMs = maxMs;
    }

    long nextDelayMs() {
        long ceiling = attempt >= 30 ? maxMs : Math.min(maxMs, baseMs << attempt);
        attempt++;
        return ThreadLocalRandom.current().nextLong(Math.max(1, ceiling));
    }

    void reset() {
        attempt = 0;
    }
}
