package io.remora.extensions.filters.http.ext_authz;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@code grpc_service.envoy_grpc}: {@code envoy.service.auth.v3.Authorization/Check} over HTTP/2
 * to {@code cluster}.
 *
 * @param authority       {@code :authority} of the calls ({@code envoy_grpc.authority}, else the cluster name)
 * @param timeout         {@code grpc_service.timeout} (Envoy's default for ext_authz: 200 ms)
 * @param initialMetadata {@code grpc_service.initial_metadata}
 * @param packAsBytes     {@code with_request_body.pack_as_bytes}: the body goes in {@code raw_body}
 * @param maxReceiveMessageLength {@code envoy_grpc.max_receive_message_length}: a larger answer fails the call
 *                        (RESOURCE_EXHAUSTED, as Envoy's decoder); 0 when unset
 * @param skipEnvoyHeaders {@code envoy_grpc.skip_envoy_headers}: the calls carry no x-envoy-internal and
 *                        no x-forwarded-for (Envoy's async client adds both otherwise)
 * @param retryPolicy     {@code retry_policy} for the clients that retry their unary calls by it; null: none
 */
public record GrpcServiceConfig(String cluster, String authority, Duration timeout,
                                List<Map.Entry<String, String>> initialMetadata, boolean packAsBytes,
                                int maxReceiveMessageLength, boolean skipEnvoyHeaders,
                                io.remora.config.RetryPolicy retryPolicy)
        implements AuthzServiceConfig {

    public GrpcServiceConfig {
        initialMetadata = List.copyOf(initialMetadata);
    }

    public GrpcServiceConfig(String cluster, String authority, Duration timeout,
                             List<Map.Entry<String, String>> initialMetadata, boolean packAsBytes,
                             int maxReceiveMessageLength, boolean skipEnvoyHeaders) {
        this(cluster, authority, timeout, initialMetadata, packAsBytes, maxReceiveMessageLength, skipEnvoyHeaders,
                null);
    }

    public GrpcServiceConfig(String cluster, String authority, Duration timeout,
                             List<Map.Entry<String, String>> initialMetadata, boolean packAsBytes) {
        this(cluster, authority, timeout, initialMetadata, packAsBytes, 0, false);
    }

    /** The same service with another retry policy (null: none). */
    public GrpcServiceConfig withRetryPolicy(io.remora.config.RetryPolicy r) {
        return new GrpcServiceConfig(cluster, authority, timeout, initialMetadata, packAsBytes, maxReceiveMessageLength,
                skipEnvoyHeaders, r);
    }

    /** The same service with another call timeout (null: none). */
    public GrpcServiceConfig withTimeout(Duration t) {
        return new GrpcServiceConfig(cluster, authority, t, initialMetadata, packAsBytes, maxReceiveMessageLength,
                skipEnvoyHeaders, retryPolicy);
    }
}
