package io.remora.extensions.filters.http.ratelimit;

import io.remora.config.RateLimitPolicy;
import io.remora.config.RouteFilterConfig;
import io.remora.extensions.filters.http.common.DescriptorEvaluator.VhRateLimits;

import java.util.List;

/**
 * {@code RateLimitPerRoute}, the most specific one applying.
 *
 * @param rateLimits when not empty, the descriptors come from these instead of the route's and
 *                   virtual host's rate_limits (every one of them: stage and disable_key do not apply)
 * @param domain     "" keeps the filter's domain
 */
public record RateLimitPerRouteConfig(VhRateLimits vhRateLimits, List<RateLimitPolicy> rateLimits, String domain)
        implements RouteFilterConfig {

    public RateLimitPerRouteConfig {
        rateLimits = List.copyOf(rateLimits);
    }
}
