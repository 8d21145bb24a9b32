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
 * @param includeIsTimeoutRetryHeader {@code include_is_timeout_retry_header}: a retried request
 *                    carries x-envoy-is-timeout-retry, true when a per-try timeout caused it
 * @param virtualClusters {@code virtual_clusters}, in match order; empty for none
 * @param hedgePolicy applies to routes that set none; null when unset
 * @param matcher     {@code matcher}: a matcher tree over the request whose actions are the routes to
 *                    try (a {@code Route} action is a list of one, a {@code RouteList} its routes), used
 *                    instead of {@code routes}, which is then empty; null when unset
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
        Map<String, Map<String, Object>> metadata,
        boolean includeIsTimeoutRetryHeader,
        List<VirtualCluster> virtualClusters,
        HedgePolicy hedgePolicy,
        UnifiedMatcher<List<Route>> matcher) {

    public VirtualHost {
        virtualClusters = virtualClusters == null ? List.of() : List.copyOf(virtualClusters);
        metadata = metadata == null ? Map.of() : metadata;
        perFilterConfigs = perFilterConfigs == null ? PerFilterConfig.NONE : Map.copyOf(perFilterConfigs);
        rateLimits = rateLimits == null ? List.of() : List.copyOf(rateLimits);
    }

    public VirtualHost(String name, List<String> domains, List<Route> routes, HeaderMutation requestHeaders,
                       HeaderMutation responseHeaders, RetryPolicy retryPolicy, boolean includeRequestAttemptCount,
                       TlsRequirement requireTls, Map<String, PerFilterConfig> perFilterConfigs,
                       List<RateLimitPolicy> rateLimits) {
        this(name, domains, routes, requestHeaders, responseHeaders, retryPolicy, includeRequestAttemptCount,
                requireTls, perFilterConfigs, rateLimits, false, Map.of(), false, List.of(), null, null);
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

    public static Builder builder(String name, List<String> domains, List<Route> routes) {
        return new Builder(name, domains, routes);
    }

    /** Envoy's defaults for every field not set. */
    public static final class Builder {
        private final String name;
        private final List<String> domains;
        private final List<Route> routes;
        private HeaderMutation requestHeaders = HeaderMutation.NONE;
        private HeaderMutation responseHeaders = HeaderMutation.NONE;
        private RetryPolicy retryPolicy;
        private boolean includeRequestAttemptCount;
        private TlsRequirement requireTls = TlsRequirement.NONE;
        private Map<String, PerFilterConfig> perFilterConfigs;
        private List<RateLimitPolicy> rateLimits;
        private boolean includeAttemptCountInResponse;
        private Map<String, Map<String, Object>> metadata;
        private boolean includeIsTimeoutRetryHeader;
        private List<VirtualCluster> virtualClusters = List.of();
        private HedgePolicy hedgePolicy;
        private UnifiedMatcher<List<Route>> matcher;

        private Builder(String name, List<String> domains, List<Route> routes) {
            this.name = name;
            this.domains = domains;
            this.routes = routes;
        }

        public Builder headers(HeaderMutation request, HeaderMutation response) {
            this.requestHeaders = request;
            this.responseHeaders = response;
            return this;
        }

        public Builder retryPolicy(RetryPolicy v) {
            this.retryPolicy = v;
            return this;
        }

        public Builder includeRequestAttemptCount(boolean v) {
            this.includeRequestAttemptCount = v;
            return this;
        }

        public Builder requireTls(TlsRequirement v) {
            this.requireTls = v;
            return this;
        }

        public Builder perFilterConfigs(Map<String, PerFilterConfig> v) {
            this.perFilterConfigs = v;
            return this;
        }

        public Builder rateLimits(List<RateLimitPolicy> v) {
            this.rateLimits = v;
            return this;
        }

        public Builder includeAttemptCountInResponse(boolean v) {
            this.includeAttemptCountInResponse = v;
            return this;
        }

        public Builder metadata(Map<String, Map<String, Object>> v) {
            this.metadata = v;
            return this;
        }

        public Builder includeIsTimeoutRetryHeader(boolean v) {
            this.includeIsTimeoutRetryHeader = v;
            return this;
        }

        public Builder virtualClusters(List<VirtualCluster> v) {
            this.virtualClusters = v;
            return this;
        }

        public Builder hedgePolicy(HedgePolicy v) {
            this.hedgePolicy = v;
            return this;
        }

        public Builder matcher(UnifiedMatcher<List<Route>> v) {
            this.matcher = v;
            return this;
        }

        public VirtualHost build() {
            return new VirtualHost(name, domains, routes, requestHeaders, responseHeaders, retryPolicy,
                    includeRequestAttemptCount, requireTls, perFilterConfigs, rateLimits, includeAttemptCountInResponse,
                    metadata, includeIsTimeoutRetryHeader, virtualClusters, hedgePolicy, matcher);
        }
    }
}
