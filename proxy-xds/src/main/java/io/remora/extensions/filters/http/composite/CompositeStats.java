package io.remora.extensions.filters.http.composite;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.stats.HttpConnManagerStats;

/**
 * Envoy's {@code http.<stat_prefix>.composite.filter_delegation_success} and
 * {@code ...filter_delegation_error}, in the connection manager's scope.
 */
record CompositeStats(Counter success, Counter error) {

    static CompositeStats of(MeterRegistry registry, String statPrefix) {
        return new CompositeStats(
                HttpConnManagerStats.counter(registry, "envoy_http_composite_filter_delegation_success", statPrefix),
                HttpConnManagerStats.counter(registry, "envoy_http_composite_filter_delegation_error", statPrefix));
    }
}
