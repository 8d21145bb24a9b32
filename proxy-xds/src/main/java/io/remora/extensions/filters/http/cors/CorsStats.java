package io.remora.extensions.filters.http.cors;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.stats.HttpConnManagerStats;

/** Envoy's {@code http.<stat_prefix>.cors.*} counters of one connection manager. */
final class CorsStats {

    final String prefix;
    final Counter originValid;
    final Counter originInvalid;

    CorsStats(MeterRegistry registry, String prefix) {
        this.prefix = prefix;
        this.originValid = Counter.builder("envoy_http_cors_origin_valid").tag(HttpConnManagerStats.TAG, prefix)
                .register(registry);
        this.originInvalid = Counter.builder("envoy_http_cors_origin_invalid").tag(HttpConnManagerStats.TAG, prefix)
                .register(registry);
    }
}
