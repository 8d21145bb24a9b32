package io.remora.extensions.filters.http.ratelimit;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@code rate_limit_service}: {@code envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit}
 * over HTTP/2 to {@code cluster} ({@code grpc_service.envoy_grpc}).
 *
 * @param authority       {@code :authority} of the calls ({@code envoy_grpc.authority}, else the cluster name)
 * @param initialMetadata {@code grpc_service.initial_metadata}
 * @param timeout         the filter's {@code timeout} (Envoy's default 20 ms); zero: none
 * @param maxReceiveMessageLength {@code envoy_grpc.max_receive_message_length}; 0: no limit
 * @param skipEnvoyHeaders {@code envoy_grpc.skip_envoy_headers}: no x-envoy-internal, no x-forwarded-for
 * @param retryPolicy     {@code grpc_service.retry_policy}: the calls' retries; null: none
 */
public record RlsConfig(String cluster, String authority, List<Map.Entry<String, String>> initialMetadata,
                        Duration timeout, int maxReceiveMessageLength, boolean skipEnvoyHeaders,
                        io.remora.config.RetryPolicy retryPolicy) {

    public RlsConfig {
        initialMetadata = List.copyOf(initialMetadata);
    }
}
