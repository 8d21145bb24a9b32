package io.remora.config;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * {@code config.route.v3.RetryPolicy}.
 *
 * @param retryOn          the parsed {@code retry_on} conditions
 * @param numRetries       default 1
 * @param perTryTimeout    null or ZERO: the route timeout alone bounds each try
 * @param baseInterval     backoff base, default 25 ms
 * @param maxInterval      backoff cap, default 10 × base
 * @param retryOtherHosts  {@code previous_hosts} host predicate: avoid hosts already tried
 * @param hostSelectionRetryMaxAttempts how many picks to avoid a previous host (default 1)
 * @param omitCanaryHosts  {@code omit_canary_hosts} host predicate: avoid canary hosts
 * @param omitHostMetadata {@code omit_host_metadata}: avoid hosts whose {@code envoy.lb} metadata
 *                         holds all these labels; empty for none
 * @param previousPrioritiesUpdateFrequency {@code previous_priorities} retry priority: every this
 *                         many attempts, priorities already tried are excluded; 0 for none
 * @param retriableHeaders {@code retriable_headers}: with {@code retriable-headers}, a response
 *                         matching any of them is retried
 * @param retriableRequestHeaders {@code retriable_request_headers}: when not empty, only requests
 *                         matching one of them are retried at all
 * @param resetHeaders     {@code rate_limited_retry_back_off.reset_headers}, tried in order; empty for none
 * @param resetMaxInterval {@code rate_limited_retry_back_off.max_interval}: a longer reset interval is
 *                         discarded (default 300 s)
 */
public record RetryPolicy(
        Set<RetryOn> retryOn,
        int numRetries,
        Duration perTryTimeout,
        Duration perTryIdleTimeout,
        Set<Integer> retriableStatusCodes,
        Duration baseInterval,
        Duration maxInterval,
        boolean retryOtherHosts,
        int hostSelectionRetryMaxAttempts,
        boolean omitCanaryHosts,
        java.util.Map<String, Object> omitHostMetadata,
        int previousPrioritiesUpdateFrequency,
        List<HeaderMatcher> retriableHeaders,
        List<HeaderMatcher> retriableRequestHeaders,
        List<ResetHeader> resetHeaders,
        Duration resetMaxInterval) {

    /** Envoy's default {@code rate_limited_retry_back_off.max_interval}. */
    public static final Duration DEFAULT_RESET_MAX_INTERVAL = Duration.ofSeconds(300);

    /**
     * One {@code reset_headers} entry: a response header giving how long until the upstream takes
     * requests again, as whole seconds ({@code SECONDS}) or as the unix time in seconds it resets at.
     *
     * @param name as configured; looked up case-insensitively
     */
    public record ResetHeader(String name, boolean unixTimestamp) {
    }

    public RetryPolicy {
        resetHeaders = resetHeaders == null ? List.of() : List.copyOf(resetHeaders);
        resetMaxInterval = resetMaxInterval == null ? DEFAULT_RESET_MAX_INTERVAL : resetMaxInterval;
        omitHostMetadata = omitHostMetadata == null ? java.util.Map.of() : java.util.Map.copyOf(omitHostMetadata);
        retriableHeaders = retriableHeaders == null ? List.of() : List.copyOf(retriableHeaders);
        retriableRequestHeaders = retriableRequestHeaders == null ? List.of() : List.copyOf(retriableRequestHeaders);
    }

    /** Without the canary/metadata predicates and retry priority. */
    public RetryPolicy(Set<RetryOn> retryOn, int numRetries, Duration perTryTimeout, Duration perTryIdleTimeout,
                       Set<Integer> retriableStatusCodes, Duration baseInterval, Duration maxInterval,
                       boolean retryOtherHosts, int hostSelectionRetryMaxAttempts) {
        this(retryOn, numRetries, perTryTimeout, perTryIdleTimeout, retriableStatusCodes, baseInterval, maxInterval,
                retryOtherHosts, hostSelectionRetryMaxAttempts, false, java.util.Map.of(), 0, List.of(), List.of(),
                List.of(), null);
    }

    /** A policy with Envoy's defaults: no conditions, one retry, one host pick, no predicates. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link RetryPolicy}; unset members keep Envoy's defaults. */
    public static final class Builder {
        private Set<RetryOn> retryOn = Set.of();
        private int numRetries = 1;
        private Duration perTryTimeout;
        private Duration perTryIdleTimeout;
        private Set<Integer> retriableStatusCodes = Set.of();
        private Duration baseInterval;
        private Duration maxInterval;
        private boolean retryOtherHosts;
        private int hostSelectionRetryMaxAttempts = 1;
        private boolean omitCanaryHosts;
        private java.util.Map<String, Object> omitHostMetadata = java.util.Map.of();
        private int previousPrioritiesUpdateFrequency;
        private List<HeaderMatcher> retriableHeaders = List.of();
        private List<HeaderMatcher> retriableRequestHeaders = List.of();
        private List<ResetHeader> resetHeaders = List.of();
        private Duration resetMaxInterval;

        private Builder() {
        }

        public Builder retryOn(Set<RetryOn> v) {
            retryOn = v;
            return this;
        }

        public Builder numRetries(int v) {
            numRetries = v;
            return this;
        }

        public Builder perTryTimeout(Duration v) {
            perTryTimeout = v;
            return this;
        }

        public Builder perTryIdleTimeout(Duration v) {
            perTryIdleTimeout = v;
            return this;
        }

        public Builder retriableStatusCodes(Set<Integer> v) {
            retriableStatusCodes = v;
            return this;
        }

        public Builder backoff(Duration base, Duration max) {
            baseInterval = base;
            maxInterval = max;
            return this;
        }

        public Builder retryOtherHosts(boolean v) {
            retryOtherHosts = v;
            return this;
        }

        public Builder hostSelectionRetryMaxAttempts(int v) {
            hostSelectionRetryMaxAttempts = v;
            return this;
        }

        public Builder omitCanaryHosts(boolean v) {
            omitCanaryHosts = v;
            return this;
        }

        public Builder omitHostMetadata(java.util.Map<String, Object> v) {
            omitHostMetadata = v;
            return this;
        }

        public Builder previousPrioritiesUpdateFrequency(int v) {
            previousPrioritiesUpdateFrequency = v;
            return this;
        }

        public Builder retriableHeaders(List<HeaderMatcher> v) {
            retriableHeaders = v;
            return this;
        }

        public Builder retriableRequestHeaders(List<HeaderMatcher> v) {
            retriableRequestHeaders = v;
            return this;
        }

        public Builder rateLimitedBackOff(List<ResetHeader> headers, Duration maxInterval) {
            resetHeaders = headers;
            resetMaxInterval = maxInterval;
            return this;
        }

        public RetryPolicy build() {
            return new RetryPolicy(retryOn, numRetries, perTryTimeout, perTryIdleTimeout, retriableStatusCodes,
                    baseInterval, maxInterval, retryOtherHosts, hostSelectionRetryMaxAttempts, omitCanaryHosts,
                    omitHostMetadata, previousPrioritiesUpdateFrequency, retriableHeaders, retriableRequestHeaders,
                    resetHeaders, resetMaxInterval);
        }
    }

    /** Whether any host predicate is configured (picks may then be redone). */
    public boolean hasHostPredicate() {
        return retryOtherHosts || omitCanaryHosts || !omitHostMetadata.isEmpty();
    }

    /** Envoy's {@code x-envoy-retry-on} / {@code x-envoy-retry-grpc-on} conditions. */
    public enum RetryOn {
        FIVE_XX("5xx"), GATEWAY_ERROR("gateway-error"), RESET("reset"), RESET_BEFORE_REQUEST("reset-before-request"),
        CONNECT_FAILURE("connect-failure"), RETRIABLE_4XX("retriable-4xx"), REFUSED_STREAM("refused-stream"),
        RETRIABLE_STATUS_CODES("retriable-status-codes"), RETRIABLE_HEADERS("retriable-headers"),
        ENVOY_RATELIMITED("envoy-ratelimited"), HTTP3_POST_CONNECT_FAILURE("http3-post-connect-failure"),
        GRPC_CANCELLED("cancelled"), GRPC_DEADLINE_EXCEEDED("deadline-exceeded"), GRPC_INTERNAL("internal"),
        GRPC_RESOURCE_EXHAUSTED("resource-exhausted"), GRPC_UNAVAILABLE("unavailable");

        public final String token;

        RetryOn(String token) {
            this.token = token;
        }

        /** The condition for a token, or null when the token is unknown. */
        public static RetryOn ofToken(String token) {
            for (RetryOn r : values()) {
                if (r.token.equals(token)) {
                    return r;
                }
            }
            return null;
        }
    }
}
