package io.remora.extensions.filters.http.buffer;

import io.envoyproxy.envoy.extensions.filters.http.buffer.v3.Buffer;
import io.envoyproxy.envoy.extensions.filters.http.buffer.v3.BufferPerRoute;
import io.remora.config.RouteFilterConfig;
import io.remora.extensions.HttpFilterExtension;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.server.ServerContext;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;

/** {@code envoy.filters.http.buffer} ({@code Buffer}), with its per-route {@code BufferPerRoute}. */
public final class BufferExtension implements HttpFilterExtension<BufferConfig> {

    /** Envoy registers it as an upstream HTTP filter too. */
    @Override
    public boolean runsUpstream() {
        return true;
    }

    @Override
    public List<String> names() {
        return List.of(BufferConfig.NAME, "envoy.buffer");
    }

    @Override
    public List<String> configTypes() {
        return List.of("envoy.extensions.filters.http.buffer.v3.Buffer");
    }

    @Override
    public List<String> perRouteConfigTypes() {
        return List.of("envoy.extensions.filters.http.buffer.v3.BufferPerRoute");
    }

    @Override
    public BufferConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            throw path.error("missing required field");
        }
        return buffer(config.unpack(Buffer.class, path), path);
    }

    @Override
    public RouteFilterConfig translatePerRoute(TypedConfig config, FieldPath path, TranslationContext ctx) {
        BufferPerRoute c = config.unpack(BufferPerRoute.class, path);
        return switch (c.getOverrideCase()) {
            case DISABLED -> {
                if (!c.getDisabled()) {
                    throw path.field("disabled").error("must be true when set");
                }
                yield BufferConfig.DISABLED;
            }
            case BUFFER -> buffer(c.getBuffer(), path.field("buffer"));
            default -> throw path.error("one of disabled, buffer is required");
        };
    }

    private static BufferConfig buffer(Buffer b, FieldPath path) {
        if (!b.hasMaxRequestBytes()) {
            throw path.field("max_request_bytes").error("missing required field");
        }
        long max = Integer.toUnsignedLong(b.getMaxRequestBytes().getValue());
        if (max == 0) {
            throw path.field("max_request_bytes").error("must be greater than 0");
        }
        // A Java buffer holds at most 2 GiB: a larger limit is, in effect, no limit at all.
        return new BufferConfig((int) Math.min(max, Integer.MAX_VALUE), false);
    }

    @Override
    public HttpFilterFactory.Provider<BufferConfig> runtime() {
        return new HttpFilterFactory.Provider<>() {
            @Override
            public Class<BufferConfig> configType() {
                return BufferConfig.class;
            }

            @Override
            public HttpFilterFactory create(BufferConfig config, ServerContext context) {
                return () -> new BufferFilter(config);
            }
        };
    }
}
