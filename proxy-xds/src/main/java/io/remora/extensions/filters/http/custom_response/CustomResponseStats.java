package io.remora.extensions.filters.http.custom_response;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.stats.HttpConnManagerStats;

/**
 * Envoy's redirect policy counters, {@code http.<stat_prefix>.custom_response_redirect_no_route}
 * and {@code ...custom_response_invalid_uri} (a {@code redirect_action} that made no valid URI of a
 * request; a {@code uri} is checked when the config is read), in the connection manager's scope for
 * the filter's policies; a route's policies count in the root scope, as Envoy's per-route config
 * makes them with the server's scope.
 */
record CustomResponseStats(Counter noRoute, Counter invalidUri) {

    static CustomResponseStats of(MeterRegistry registry, String statPrefix) {
        return new CustomResponseStats(
                HttpConnManagerStats.counter(registry, "envoy_http_custom_response_redirect_no_route", statPrefix),
                HttpConnManagerStats.counter(registry, "envoy_http_custom_response_invalid_uri", statPrefix));
    }

    static CustomResponseStats root(MeterRegistry registry) {
        return new CustomResponseStats(registry.counter("envoy_custom_response_redirect_no_route"),
                registry.counter("envoy_custom_response_invalid_uri"));
    }
}
