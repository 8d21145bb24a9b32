package io.remora.extensions.filters.http.ext_authz;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.stats.ClusterStats;
import io.remora.stats.StatNames;

/**
 * Envoy's {@code cluster.<request's routed cluster>.ext_authz.[<stat_prefix>.]{ok,denied,error,invalid,failure_mode_allowed}},
 * counted beside the connection manager's; in Prometheus form
 * {@code envoy_cluster_ext_authz_ok{envoy_cluster_name="…"}} (the stat_prefix stays in the name,
 * as Envoy extracts no tag from it).
 */
final class ExtAuthzClusterStats {

    final Counter ok;
    final Counter denied;
    final Counter error;
    final Counter invalid;
    final Counter failureModeAllowed;

    ExtAuthzClusterStats(MeterRegistry r, String cluster, String statPrefix) {
        String base = "envoy_cluster_ext_authz_" + (statPrefix.isEmpty() ? "" : StatNames.sanitize(statPrefix) + "_");
        ok = Counter.builder(base + "ok").tag(ClusterStats.TAG, cluster).register(r);
        denied = Counter.builder(base + "denied").tag(ClusterStats.TAG, cluster).register(r);
        error = Counter.builder(base + "error").tag(ClusterStats.TAG, cluster).register(r);
        invalid = Counter.builder(base + "invalid").tag(ClusterStats.TAG, cluster).register(r);
        failureModeAllowed = Counter.builder(base + "failure_mode_allowed").tag(ClusterStats.TAG, cluster).register(r);
    }
}
