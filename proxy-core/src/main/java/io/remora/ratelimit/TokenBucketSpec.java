package io.remora.ratelimit;

/**
 * Envoy's {@code type.v3.TokenBucket}: starts full with {@code maxTokens}; every
 * {@code fillIntervalMillis} {@code tokensPerFill} tokens are added, up to {@code maxTokens}.
 */
public record TokenBucketSpec(long maxTokens, long tokensPerFill, long fillIntervalMillis) {

    public TokenBucketSpec {
        if (maxTokens < 0 || maxTokens > 0xFFFF_FFFFL || tokensPerFill < 0 || fillIntervalMillis <= 0) {
            throw new IllegalArgumentException("bad token bucket " + maxTokens + "/" + tokensPerFill + "/"
                    + fillIntervalMillis);
        }
    }
}
