package io.remora.config;

import java.time.Duration;
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
        int previousPrioritiesUpdateFrequency) {

    public RetryPolicy {
        omitHostMetadata = omitHostMetadata == null ? java.util.Map.of() : java.util.Map.copyOf(omitHostMetadata);
    }

    /** Without the canary/metadata predicates and retry priority. */
    public RetryPolicy(Set<RetryOn> retryOn, int numRetries, Duration perTryTimeout, Duration perTryIdleTimeout,
                       Set<Integer> retriableStatusCodes, Duration baseInterval, Duration maxInterval,
                       boolean retryOtherHosts, int hostSelectionRetryMaxAttempts) {
        this(retryOn, numRetries, perTryTimeout, perTryIdleTimeout, retriableStatusCodes, baseInterval, maxInterval,
                retryOtherHosts, hostSelectionRetryMaxAttempts, false, java.util.Map.of(), 0);
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
