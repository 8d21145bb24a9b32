package io.remora.extensions.filters.http.common;

/**
 * A token bucket of bytes refilled continuously, as Envoy's TokenBucketImpl (and, shared by every
 * stream of a filter config on any worker, its SharedTokenBucketImpl): at most {@code maxTokens},
 * {@code fillRate} tokens a second. Locked, as Envoy's shared one is: callers take tokens once per
 * fill interval per stream, so the lock is seldom contended.
 */
public final class ByteTokenBucket {

    private final double maxTokens;
    private final double fillRatePerNano;
    private double tokens;
    private long lastFill;
    private boolean resetOnce;

    /** Full at start. */
    public ByteTokenBucket(long maxTokens, long fillRatePerSecond) {
        this.maxTokens = maxTokens;
        this.fillRatePerNano = fillRatePerSecond / 1e9;
        this.tokens = maxTokens;
        this.lastFill = System.nanoTime();
    }

    /**
     * Takes up to {@code wanted} tokens: with {@code partial}, as many as there are; without, all or
     * none. Returns how many were taken.
     */
    public synchronized long consume(long wanted, boolean partial) {
        long now = System.nanoTime();
        tokens = Math.min(maxTokens, tokens + (now - lastFill) * fillRatePerNano);
        lastFill = now;
        long available = (long) Math.floor(tokens);
        long taken = Math.min(wanted, available);
        if (taken < wanted && !partial) {
            return 0;
        }
        tokens -= taken;
        return taken;
    }

    /**
     * Sets the bucket to {@code initial} tokens the first time only: the first stream starts the
     * pacing from one fill interval's worth, later streams share what is left (Envoy's maybeReset).
     */
    public synchronized void maybeReset(long initial) {
        if (!resetOnce) {
            resetOnce = true;
            tokens = Math.min(maxTokens, initial);
            lastFill = System.nanoTime();
        }
    }
}
