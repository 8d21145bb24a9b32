package io.remora.ratelimit;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A token bucket shared by every worker (Envoy's local rate limit bucket): full at start, refilled
 * by {@code tokensPerFill} at each whole {@code fillInterval} since it was made, at most
 * {@code maxTokens}. Refills are applied lazily by whoever looks next, so there is no timer; the
 * whole state is one {@link AtomicLong} (fill number in the high 32 bits, tokens in the low 32)
 * updated by compare-and-set, so consuming is lock-free and cheap.
 *
 * <p>The fill number is kept modulo 2^32: a bucket idle for exactly a multiple of 2^32 intervals
 * (over six years at the 50 ms minimum) would miss one refill; any other gap refills correctly.
 */
public final class LocalTokenBucket {

    private static final long LOW = 0xFFFF_FFFFL;

    private final long maxTokens;
    private final long tokensPerFill;
    private final long intervalNanos;
    private final long startNanos;
    private final AtomicLong state;

    public LocalTokenBucket(TokenBucketSpec spec) {
        this(spec, System.nanoTime());
    }

    LocalTokenBucket(TokenBucketSpec spec, long nowNanos) {
        this.maxTokens = spec.maxTokens();
        this.tokensPerFill = spec.tokensPerFill();
        this.intervalNanos = spec.fillIntervalMillis() * 1_000_000L;
        this.startNanos = nowNanos;
        this.state = new AtomicLong(maxTokens);
    }

    public long maxTokens() {
        return maxTokens;
    }

    /** Tokens added per fill divided by the interval: how fast the bucket refills (tokens/s). */
    public double fillRate() {
        return tokensPerFill * 1e9 / intervalNanos;
    }

    /** Takes one token; false when the bucket is empty. */
    public boolean consume() {
        return consume(1, System.nanoTime());
    }

    /** Takes {@code n} tokens, or none and false when fewer are left (Envoy's all-or-nothing consume). */
    public boolean consumeTokens(long n) {
        return consume(n, System.nanoTime());
    }

    boolean consume(long nowNanos) {
        return consume(1, nowNanos);
    }

    private boolean consume(long n, long nowNanos) {
        long now = fillNumber(nowNanos);
        while (true) {
            long s = state.get();
            long fill = newer(s, now);
            long tokens = refilled(s, fill);
            if (tokens < n) {
                return false;
            }
            if (state.compareAndSet(s, (fill << 32) | (tokens - n))) {
                return true;
            }
        }
    }

    /** Tokens left now (x-ratelimit-remaining). */
    public long remainingTokens() {
        long s = state.get();
        return refilled(s, newer(s, fillNumber(System.nanoTime())));
    }

    /**
     * Seconds until the next fill as Envoy's timer bucket reports it (x-ratelimit-reset): the
     * interval minus the whole seconds elapsed since the last fill, truncated to seconds.
     */
    public long resetSeconds() {
        long sinceFill = Math.floorMod(System.nanoTime() - startNanos, intervalNanos);
        long wholeSecondsNanos = sinceFill / 1_000_000_000L * 1_000_000_000L;
        return (intervalNanos - wholeSecondsNanos) / 1_000_000_000L;
    }

    private long fillNumber(long nowNanos) {
        long elapsed = nowNanos - startNanos;
        return elapsed <= 0 ? 0 : (elapsed / intervalNanos) & LOW;
    }

    /**
     * The later of the stored fill number and {@code now}: another thread may have stored a fill
     * it read after this one read the clock (differences past 2^31 count as behind).
     */
    private static long newer(long s, long now) {
        long last = s >>> 32;
        return ((now - last) & LOW) >= 1L << 31 ? last : now;
    }

    private long refilled(long s, long fill) {
        long tokens = s & LOW;
        long fills = (fill - (s >>> 32)) & LOW;
        if (fills == 0 || tokens >= maxTokens) {
            return Math.min(tokens, maxTokens);
        }
        // Saturate instead of overflowing on a long idle gap.
        if (tokensPerFill != 0 && fills > (maxTokens - tokens) / tokensPerFill) {
            return maxTokens;
        }
        return Math.min(maxTokens, tokens + fills * tokensPerFill);
    }
}
