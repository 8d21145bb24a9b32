package io.remora.extensions.filters.http.grpc_http1_bridge;

import io.remora.config.HttpFilterConfig;

/**
 * {@code envoy.filters.http.grpc_http1_bridge} ({@code extensions.filters.http.grpc_http1_bridge.v3.Config}).
 *
 * @param upgradeProtobufToGrpc application/x-protobuf requests are framed into gRPC and their responses unframed
 * @param ignoreQueryParameters bridged requests lose their query before they go upstream
 */
public record GrpcHttp1BridgeConfig(boolean upgradeProtobufToGrpc, boolean ignoreQueryParameters)
        implements HttpFilterConfig {

    public static final String NAME = "envoy.filters.http.grpc_http1_bridge";

    @Override
    public String filterName() {
        return NAME;
    }
}
