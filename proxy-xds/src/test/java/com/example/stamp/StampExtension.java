package com.example.stamp;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.DynamicMessage;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.HttpFilterConfig;
import io.remora.config.RouteFilterConfig;
import io.remora.extensions.HttpFilterExtension;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.EncoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.http.filter.StreamFilter;
import io.remora.server.ServerContext;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;

/**
 * A third-party HTTP filter living only in the test tree: it stamps the request with a header and
 * the response with {@code x-stamped-by}, and echoes the connection's {@code tenant} filter state
 * (set by {@link ConnectionStampExtension}) in {@code x-connection-stamp}. Registered through
 * this tree's {@code META-INF/services} file alone.
 */
public final class StampExtension implements HttpFilterExtension<StampExtension.Config> {

    record Config(String header, String value) implements HttpFilterConfig {
        @Override
        public String filterName() {
            return "example.stamp";
        }
    }

    record PerRoute(String value) implements RouteFilterConfig {
    }

    @Override
    public List<String> names() {
        return List.of("example.stamp");
    }

    @Override
    public List<String> configTypes() {
        return List.of("example.stamp.v1.Stamp");
    }

    @Override
    public List<String> perRouteConfigTypes() {
        return List.of("example.stamp.v1.StampPerRoute");
    }

    @Override
    public List<Descriptor> descriptors() {
        return List.of(StampProtos.STAMP, StampProtos.STAMP_PER_ROUTE);
    }

    @Override
    public Config translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            throw path.error("missing required field");
        }
        DynamicMessage m = config.unpack(StampProtos.STAMP, path);
        String header = StampProtos.string(m, "header");
        if (header.isEmpty()) {
            throw path.field("header").error("must not be empty");
        }
        return new Config(header.toLowerCase(java.util.Locale.ROOT), StampProtos.string(m, "value"));
    }

    @Override
    public RouteFilterConfig translatePerRoute(TypedConfig config, FieldPath path, TranslationContext ctx) {
        return new PerRoute(StampProtos.string(config.unpack(StampProtos.STAMP_PER_ROUTE, path), "value"));
    }

    @Override
    public HttpFilterFactory.Provider<Config> runtime() {
        return new HttpFilterFactory.Provider<>() {
            @Override
            public Class<Config> configType() {
                return Config.class;
            }

            @Override
            public HttpFilterFactory create(Config config, ServerContext context) {
                return () -> new Filter(config);
            }
        };
    }

    private static final class Filter implements StreamFilter {
        private final Config config;
        private DecoderFilterCallbacks decoder;
        private String value;

        Filter(Config config) {
            this.config = config;
        }

        @Override
        public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
            this.decoder = callbacks;
        }

        @Override
        public void setEncoderFilterCallbacks(EncoderFilterCallbacks callbacks) {
        }

        @Override
        public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
            value = decoder.perFilterConfig() instanceof PerRoute p ? p.value() : config.value();
            headers.set(config.header(), value);
            return FilterStatus.CONTINUE;
        }

        @Override
        public FilterStatus encodeHeaders(Http2Headers headers, boolean endStream) {
            headers.set("x-stamped-by", value);
            Object tenant = decoder.filterState().get("tenant");
            if (tenant != null) {
                headers.set("x-connection-stamp", tenant.toString());
            }
            return FilterStatus.CONTINUE;
        }
    }
}
