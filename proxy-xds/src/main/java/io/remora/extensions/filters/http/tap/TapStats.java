package io.remora.extensions.filters.http.tap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.stats.HttpConnManagerStats;

/**
 * Envoy's {@code http.<stat_prefix>.tap.rq_tapped}, in the connection manager's scope; in
 * Prometheus {@code envoy_http_tap_rq_tapped{envoy_http_conn_manager_prefix="…"}}.
 */
final class TapStats {

    final Counter rqTapped;

    TapStats(MeterRegistry r, String hcmPrefix) {
        rqTapped = Counter.builder("envoy_http_tap_rq_tapped").tag(HttpConnManagerStats.TAG, hcmPrefix).register(r);
    }
}
