package io.remora.extensions.filters.http.admission_control;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.stats.HttpConnManagerStats;

/**
 * Envoy's {@code http.<stat_prefix>.admission_control.{rq_rejected,rq_success,rq_failure}}; in
 * Prometheus {@code envoy_http_admission_control_rq_rejected{envoy_http_conn_manager_prefix="…"}}.
 */
final class AdmissionControlStats {

    final Counter rejected;
    final Counter success;
    final Counter failure;

    AdmissionControlStats(MeterRegistry r, String hcmPrefix) {
        rejected = counter(r, "rq_rejected", hcmPrefix);
        success = counter(r, "rq_success", hcmPrefix);
        failure = counter(r, "rq_failure", hcmPrefix);
    }

    private static Counter counter(MeterRegistry r, String stat, String hcmPrefix) {
        return Counter.builder("envoy_http_admission_control_" + stat).tag(HttpConnManagerStats.TAG, hcmPrefix)
                .register(r);
    }
}
