package io.remora.extensions.filters.http.grpc_http1_reverse_bridge;

import io.envoyproxy.envoy.extensions.filters.http.grpc_http1_reverse_bridge.v3.FilterConfig;
import io.envoyproxy.envoy.extensions.filters.http.grpc_http1_reverse_bridge.v3.FilterConfigPerRoute;
import io.remora.config.RouteFilterConfig;
import io.remora.extensions.HttpFilterExtension;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.server.ServerContext;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;
import java.util.Locale;

/** {@code envoy.filters.http.grpc_http1_reverse_bridge}: gRPC clients to HTTP/1.1 upstreams. */
public final class ReverseBridgeExtension implements HttpFilterExtension<ReverseBridgeConfig> {

    @Override
    public List<String> names() {
        return List.of(ReverseBridgeConfig.NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of("envoy.extensions.filters.http.grpc_http1_reverse_bridge.v3.FilterConfig");
    }

    @Override
    public List<String> perRouteConfigTypes() {
        return List.of("envoy.extensions.filters.http.grpc_http1_reverse_bridge.v3.FilterConfigPerRoute");
    }

    @Override
    public ReverseBridgeConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            throw path.error("missing required field: the reverse bridge needs a typed_config with content_type");
        }
        FilterConfig c = config.unpack(FilterConfig.class, path);
        if (c.getContentType().isEmpty()) {
            throw path.field("content_type").error("must not be empty");
        }
        String sizeHeader = c.getResponseSizeHeader();
        if (!sizeHeader.isEmpty() && !isHeaderName(sizeHeader)) {
            throw path.field("response_size_header").error("not a valid HTTP header name: " + sizeHeader);
        }
        return new ReverseBridgeConfig(c.getContentType(), c.getWithholdGrpcFrames(),
                sizeHeader.isEmpty() ? null : sizeHeader.toLowerCase(Locale.ROOT));
    }

    /** Envoy's HTTP_HEADER_NAME rule: a token, no pseudo-header. */
    private static boolean isHeaderName(String s) {
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch <= ' ' || ch >= 0x7f || "\"(),/:;<=>?@[\\]{}".indexOf(ch) >= 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public RouteFilterConfig translatePerRoute(TypedConfig config, FieldPath path, TranslationContext ctx) {
        return new ReverseBridgePerRoute(config.unpack(FilterConfigPerRoute.class, path).getDisabled());
    }

    @Override
    public HttpFilterFactory.Provider<ReverseBridgeConfig> runtime() {
        return new HttpFilterFactory.Provider<>() {
            @Override
            public Class<ReverseBridgeConfig> configType() {
                return ReverseBridgeConfig.class;
            }

            @Override
            public HttpFilterFactory create(ReverseBridgeConfig config, ServerContext context) {
                return () -> new ReverseBridgeFilter(config);
            }
        };
    }
}
