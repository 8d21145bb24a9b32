package io.remora.extensions.filters.http.health_check;

import io.remora.config.HeaderMatcher;
import io.remora.config.HttpFilterConfig;

import java.util.List;
import java.util.Map;

/**
 * {@code envoy.filters.http.health_check}.
 *
 * @param passThrough          {@code pass_through_mode}: health checks go on to the upstream unless the
 *                             server fails its health checks or a cached answer is fresh
 * @param cacheTimeNanos       {@code cache_time} (pass-through only; 0: no cache)
 * @param minHealthyPercent    {@code cluster_min_healthy_percentages}, truncated to whole percent as
 *                             Envoy reads them (not pass-through)
 * @param headers              {@code headers}: a request is a health check when all of them match
 */
record HealthCheckFilterConfig(boolean passThrough, long cacheTimeNanos, Map<String, Long> minHealthyPercent,
                         List<HeaderMatcher> headers) implements HttpFilterConfig {

    static final String NAME = "envoy.filters.http.health_check";

    HealthCheckFilterConfig {
        minHealthyPercent = Map.copyOf(minHealthyPercent);
        headers = List.copyOf(headers);
    }

    @Override
    public String filterName() {
        return NAME;
    }
}
