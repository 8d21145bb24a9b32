package io.remora.extensions.filters.http.local_ratelimit;

import io.remora.extensions.filters.common.HeaderAdditions;
import io.remora.extensions.filters.http.common.DescriptorEvaluator;
import io.remora.server.ServerContext;

/**
 * What one config instance needs at run time, built once: its buckets, stats, compiled header
 * additions and descriptor actions. Kept in the config's {@link io.remora.extensions.filters.common.RuntimeSlot}.
 */
final class LocalRateLimitRuntime {

    final LocalRateLimitConfig config;
    final LocalRateLimiter limiter;
    final LocalRateLimitStats stats;
    final HeaderAdditions responseHeaders;
    final HeaderAdditions requestHeadersWhenNotEnforced;
    final DescriptorEvaluator descriptors;

    private LocalRateLimitRuntime(LocalRateLimitConfig config, ServerContext context) {
        this.config = config;
        this.limiter = new LocalRateLimiter(config, LocalClusterShare.of(config, context.clusterManager()));
        this.stats = new LocalRateLimitStats(context.stats().meterRegistry(), config.statPrefix());
        this.responseHeaders = HeaderAdditions.of(config.responseHeadersToAdd());
        this.requestHeadersWhenNotEnforced = HeaderAdditions.of(config.requestHeadersToAddWhenNotEnforced());
        this.descriptors = new DescriptorEvaluator(config.rateLimits());
    }

    /** The runtime of this config instance, made on first use (per-route configs arrive with routes). */
    static LocalRateLimitRuntime of(LocalRateLimitConfig config, ServerContext context) {
        return config.runtime().get(LocalRateLimitRuntime.class, () -> new LocalRateLimitRuntime(config, context));
    }
}
