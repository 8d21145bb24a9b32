package io.remora.extensions.filters.http.grpc_http1_reverse_bridge;

import io.remora.config.HttpFilterConfig;

/**
 * {@code envoy.filters.http.grpc_http1_reverse_bridge} ({@code grpc_http1_reverse_bridge.v3.FilterConfig}).
 *
 * @param contentType        what the upstream gets and must answer with
 * @param withholdGrpcFrames the upstream sees bare messages: frame headers are taken off and put back
 * @param responseSizeHeader the upstream's header giving the message length (streamed), or null (buffered)
 */
public record ReverseBridgeConfig(String contentType, boolean withholdGrpcFrames, String responseSizeHeader)
        implements HttpFilterConfig {

    public static final String NAME = "envoy.filters.http.grpc_http1_reverse_bridge";

    @Override
    public String filterName() {
        return NAME;
    }
}
