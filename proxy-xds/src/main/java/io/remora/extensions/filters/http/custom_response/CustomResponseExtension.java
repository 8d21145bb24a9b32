package io.remora.extensions.filters.http.custom_response;

import io.envoyproxy.envoy.extensions.filters.http.custom_response.v3.CustomResponse;
import io.remora.config.RouteFilterConfig;
import io.remora.extensions.HttpFilterExtension;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.server.ServerContext;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;

/** {@code envoy.filters.http.custom_response}, with the same message as its per-route config. */
public final class CustomResponseExtension implements HttpFilterExtension<CustomResponseConfig> {

    private static final String TYPE = "envoy.extensions.filters.http.custom_response.v3.CustomResponse";

    @Override
    public List<String> names() {
        return List.of(CustomResponseConfig.NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of(TYPE);
    }

    @Override
    public List<String> perRouteConfigTypes() {
        return List.of(TYPE);
    }

    @Override
    public CustomResponseConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            return new CustomResponseConfig(null);
        }
        return read(config.unpack(CustomResponse.class, path), path);
    }

    @Override
    public RouteFilterConfig translatePerRoute(TypedConfig config, FieldPath path, TranslationContext ctx) {
        return read(config.unpack(CustomResponse.class, path), path);
    }

    private static CustomResponseConfig read(CustomResponse c, FieldPath path) {
        return new CustomResponseConfig(c.hasCustomResponseMatcher()
                ? PolicyTranslator.matcher(c.getCustomResponseMatcher(), path.field("custom_response_matcher")) : null);
    }

    @Override
    public HttpFilterFactory.Provider<CustomResponseConfig> runtime() {
        return new HttpFilterFactory.Provider<>() {
            @Override
            public Class<CustomResponseConfig> configType() {
                return CustomResponseConfig.class;
            }

            @Override
            public HttpFilterFactory create(CustomResponseConfig config, ServerContext context) {
                return create(config, context, "");
            }

            @Override
            public HttpFilterFactory create(CustomResponseConfig config, ServerContext context, String statPrefix) {
                var registry = context.stats().meterRegistry();
                // As Envoy: a redirect policy makes its counters when its config is read; local ones have none.
                CustomResponseStats stats = config.hasRedirect() ? CustomResponseStats.of(registry, statPrefix) : null;
                java.util.function.Supplier<CustomResponseStats> routeStats = () -> CustomResponseStats.root(registry);
                return () -> new CustomResponseFilter(config, stats, routeStats);
            }
        };
    }
}
