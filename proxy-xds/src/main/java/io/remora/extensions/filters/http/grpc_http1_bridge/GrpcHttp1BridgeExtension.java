package io.remora.extensions.filters.http.grpc_http1_bridge;

import io.envoyproxy.envoy.extensions.filters.http.grpc_http1_bridge.v3.Config;
import io.remora.extensions.HttpFilterExtension;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.server.ServerContext;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;

/** {@code envoy.filters.http.grpc_http1_bridge}: HTTP/1.1 clients without trailers to gRPC upstreams. */
public final class GrpcHttp1BridgeExtension implements HttpFilterExtension<GrpcHttp1BridgeConfig> {

    @Override
    public List<String> names() {
        return List.of(GrpcHttp1BridgeConfig.NAME, "envoy.grpc_http1_bridge");
    }

    @Override
    public List<String> configTypes() {
        return List.of("envoy.extensions.filters.http.grpc_http1_bridge.v3.Config");
    }

    @Override
    public GrpcHttp1BridgeConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            return new GrpcHttp1BridgeConfig(false, false);
        }
        Config c = config.unpack(Config.class, path);
        return new GrpcHttp1BridgeConfig(c.getUpgradeProtobufToGrpc(), c.getIgnoreQueryParameters());
    }

    @Override
    public HttpFilterFactory.Provider<GrpcHttp1BridgeConfig> runtime() {
        return new HttpFilterFactory.Provider<>() {
            @Override
            public Class<GrpcHttp1BridgeConfig> configType() {
                return GrpcHttp1BridgeConfig.class;
            }

            @Override
            public HttpFilterFactory create(GrpcHttp1BridgeConfig config, ServerContext context) {
                return () -> new GrpcHttp1BridgeFilter(config);
            }
        };
    }
}
