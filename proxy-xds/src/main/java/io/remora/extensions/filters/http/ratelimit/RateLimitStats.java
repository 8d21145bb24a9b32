package io.remora.extensions.filters.http.ratelimit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.stats.ClusterStats;
import io.remora.stats.StatNames;

/**
 * Envoy's {@code cluster.<route's cluster>.ratelimit.[<stat_prefix>.]{ok,over_limit,error,failure_mode_allowed}};
 * in Prometheus form {@code envoy_cluster_ratelimit_ok{envoy_cluster_name="…"}} (the stat_prefix
 * stays in the name: Envoy extracts no tag from it).
 */
final class RateLimitStats {

    final Counter ok;
    final Counter overLimit;
    final Counter error;
    final Counter failureModeAllowed;

    RateLimitStats(MeterRegistry r, String cluster, String statPrefix) {
        String base = "envoy_cluster_ratelimit_" + (statPrefix.isEmpty() ? "" : StatNames.sanitize(statPrefix) + "_");
        ok = Counter.builder(base + "ok").tag(ClusterStats.TAG, cluster).register(r);
        overLimit = Counter.builder(base + "over_limit").tag(ClusterStats.TAG, cluster).register(r);
        error = Counter.builder(base + "error").tag(ClusterStats.TAG, cluster).register(r);
        failureModeAllowed = Counter.builder(base + "failure_mode_allowed").tag(ClusterStats.TAG, cluster).register(r);
    }
}
