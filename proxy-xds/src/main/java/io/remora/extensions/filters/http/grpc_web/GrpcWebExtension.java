package io.remora.extensions.filters.http.grpc_web;

import io.envoyproxy.envoy.extensions.filters.http.grpc_web.v3.GrpcWeb;
import io.remora.extensions.HttpFilterExtension;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.server.ServerContext;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;

/** {@code envoy.filters.http.grpc_web}: gRPC-Web clients to gRPC upstreams. */
public final class GrpcWebExtension implements HttpFilterExtension<GrpcWebConfig> {

    @Override
    public List<String> names() {
        return List.of(GrpcWebConfig.NAME, "envoy.grpc_web");
    }

    @Override
    public List<String> configTypes() {
        return List.of("envoy.extensions.filters.http.grpc_web.v3.GrpcWeb");
    }

    @Override
    public GrpcWebConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config != null) {
            config.unpack(GrpcWeb.class, path); // validates that it is one; GrpcWeb has no fields
        }
        return new GrpcWebConfig();
    }

    @Override
    public HttpFilterFactory.Provider<GrpcWebConfig> runtime() {
        return new HttpFilterFactory.Provider<>() {
            @Override
            public Class<GrpcWebConfig> configType() {
                return GrpcWebConfig.class;
            }

            @Override
            public HttpFilterFactory create(GrpcWebConfig config, ServerContext context) {
                GrpcWebStats stats = new GrpcWebStats(context.stats().meterRegistry());
                return () -> new GrpcWebFilter(stats);
            }
        };
    }
}
