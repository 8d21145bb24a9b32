package io.remora.upstream;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.stats.ClusterStats;

/** Envoy's zone-aware routing stats of one cluster, {@code cluster.<name>.lb_*}. */
final class ZoneStats {
    final Counter recalculateZoneStructures;
    final Counter clusterTooSmall;
    final Counter localClusterNotOk;
    final Counter allDirectly;
    final Counter sampled;
    final Counter crossZone;
    final Counter noCapacityLeft;

    ZoneStats(MeterRegistry r, String cluster) {
        recalculateZoneStructures = c(r, cluster, "lb_recalculate_zone_structures");
        clusterTooSmall = c(r, cluster, "lb_zone_cluster_too_small");
        localClusterNotOk = c(r, cluster, "lb_local_cluster_not_ok");
        allDirectly = c(r, cluster, "lb_zone_routing_all_directly");
        sampled = c(r, cluster, "lb_zone_routing_sampled");
        crossZone = c(r, cluster, "lb_zone_routing_cross_zone");
        noCapacityLeft = c(r, cluster, "lb_zone_no_capacity_left");
    }

    private static Counter c(MeterRegistry r, String cluster, String stat) {
        return Counter.builder("envoy_cluster_" + stat).tag(ClusterStats.TAG, cluster).register(r);
    }
}
