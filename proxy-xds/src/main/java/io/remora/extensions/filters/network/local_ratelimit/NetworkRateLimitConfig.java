package io.remora.extensions.filters.network.local_ratelimit;

import io.remora.config.NetworkFilterConfig;
import io.remora.ratelimit.TokenBucketSpec;

/**
 * {@code envoy.extensions.filters.network.local_ratelimit.v3.LocalRateLimit}: one token per new
 * connection.
 *
 * @param runtimeEnabledKey   runtime_enabled's key, or null when runtime_enabled is unset
 * @param runtimeEnabledDefault runtime_enabled's default (true when unset)
 * @param shareKey            "" for a bucket of this filter alone; else shared with every filter of
 *                            the same share_key and token bucket
 */
public record NetworkRateLimitConfig(String statPrefix, TokenBucketSpec tokenBucket, String runtimeEnabledKey,
                                     boolean runtimeEnabledDefault, String shareKey) implements NetworkFilterConfig {

    public static final String NAME = "envoy.filters.network.local_ratelimit";

    @Override
    public String filterName() {
        return NAME;
    }
}
