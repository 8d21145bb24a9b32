package io.remora.extensions.filters.http.health_check;

import io.envoyproxy.envoy.extensions.filters.http.health_check.v3.HealthCheck;
import io.remora.extensions.HttpFilterExtension;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.route.CompiledHeaderMatcher;
import io.remora.server.ServerContext;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.HeaderTranslator;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code envoy.filters.http.health_check}: answers health checks of this proxy (see {@link HealthCheckFilter}). */
public final class HealthCheckExtension implements HttpFilterExtension<HealthCheckFilterConfig> {

    @Override
    public List<String> names() {
        return List.of(HealthCheckFilterConfig.NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of("envoy.extensions.filters.http.health_check.v3.HealthCheck");
    }

    @Override
    public HealthCheckFilterConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            throw path.error("missing required typed_config (pass_through_mode)");
        }
        HealthCheck c = config.unpack(HealthCheck.class, path);
        if (!c.hasPassThroughMode()) {
            throw path.field("pass_through_mode").error("missing required field");
        }
        boolean passThrough = c.getPassThroughMode().getValue();
        long cacheNanos = 0;
        if (c.hasCacheTime()) {
            FieldPath cp = path.field("cache_time");
            if (c.getCacheTime().getSeconds() < 0 || c.getCacheTime().getNanos() < 0) {
                throw cp.error("must not be negative");
            }
            // Envoy counts it in whole milliseconds
            cacheNanos = (c.getCacheTime().getSeconds() * 1000 + c.getCacheTime().getNanos() / 1_000_000) * 1_000_000;
            if (cacheNanos > 0 && !passThrough) {
                throw cp.error("must not be set when pass_through_mode is disabled");
            }
        }
        Map<String, Long> min = new LinkedHashMap<>();
        c.getClusterMinHealthyPercentagesMap().forEach((cluster, percent) -> {
            double v = percent.getValue();
            if (v < 0 || v > 100) {
                throw path.field("cluster_min_healthy_percentages").key(cluster).field("value")
                        .error("must be within [0, 100], got " + v);
            }
            min.put(cluster, (long) v);
        });
        return new HealthCheckFilterConfig(passThrough, cacheNanos, min,
                HeaderTranslator.matchers(c.getHeadersList(), path.field("headers")));
    }

    @Override
    public HttpFilterFactory.Provider<HealthCheckFilterConfig> runtime() {
        return new HttpFilterFactory.Provider<>() {
            @Override
            public Class<HealthCheckFilterConfig> configType() {
                return HealthCheckFilterConfig.class;
            }

            @Override
            public HttpFilterFactory create(HealthCheckFilterConfig config, ServerContext context) {
                CompiledHeaderMatcher[] matchers = config.headers().stream().map(CompiledHeaderMatcher::forRequest)
                        .toArray(CompiledHeaderMatcher[]::new);
                HealthCheckCache cache = config.passThrough() && config.cacheTimeNanos() > 0
                        ? new HealthCheckCache(config.cacheTimeNanos(), System.nanoTime()) : null;
                return () -> new HealthCheckFilter(config, matchers, cache, context);
            }
        };
    }
}
