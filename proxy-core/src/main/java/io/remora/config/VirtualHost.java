package io.remora.config;

import java.util.List;
import java.util.Map;

/**
 * {@code config.route.v3.VirtualHost}.
 *
 * @param retryPolicy applies to routes that set none; null when unset
 * @param rateLimits  {@code rate_limits}, for rate limit filters that take descriptors from the route
 * @param includeAttemptCountInResponse {@code include_attempt_count_in_response}: upstream
 *                    responses carry x-envoy-attempt-count
 */
public record VirtualHost(
        String name,
        List<String> domains,
        List<Route> routes,
        HeaderMutation requestHeaders,
        HeaderMutation responseHeaders,
        RetryPolicy retryPolicy,
        boolean includeRequestAttemptCount,
        TlsRequirement requireTls,
        Map<String, PerFilterConfig> perFilterConfigs,
        List<RateLimitPolicy> rateLimits,
        boolean includeAttemptCountInResponse,
        Map<String, Map<String, Object>> metadata) {

    public VirtualHost {
        metadata = metadata == null ? Map.of() : metadata;
        perFilterConfigs = perFilterConfigs == null ? PerFilterConfig.NONE : Map.copyOf(perFilterConfigs);
        rateLimits = rateLimits == null ? List.of() : List.copyOf(rateLimits);
    }

    public VirtualHost(String name, List<String> domains, List<Route> routes, HeaderMutation requestHeaders,
                       HeaderMutation responseHeaders, RetryPolicy retryPolicy, boolean includeRequestAttemptCount,
                       TlsRequirement requireTls, Map<String, PerFilterConfig> perFilterConfigs,
                       List<RateLimitPolicy> rateLimits) {
        this(name, domains, routes, requestHeaders, responseHeaders, retryPolicy, includeRequestAttemptCount,
                requireTls, perFilterConfigs, rateLimits, false, Map.of());
    }

    /** Without rate limits. */
    public VirtualHost(String name, List<String> domains, List<Route> routes, HeaderMutation requestHeaders,
                       HeaderMutation responseHeaders, RetryPolicy retryPolicy, boolean includeRequestAttemptCount,
                       TlsRequirement requireTls, Map<String, PerFilterConfig> perFilterConfigs) {
        this(name, domains, routes, requestHeaders, responseHeaders, retryPolicy, includeRequestAttemptCount,
                requireTls, perFilterConfigs, List.of());
    }

    public VirtualHost(String name, List<String> domains, List<Route> routes, HeaderMutation requestHeaders,
                       HeaderMutation responseHeaders, RetryPolicy retryPolicy, boolean includeRequestAttemptCount,
                       TlsRequirement requireTls) {
        this(name, domains, routes, requestHeaders, responseHeaders, retryPolicy, includeRequestAttemptCount,
                requireTls, PerFilterConfig.NONE);
    }

    public enum TlsRequirement { NONE, EXTERNAL_ONLY, ALL }
}
