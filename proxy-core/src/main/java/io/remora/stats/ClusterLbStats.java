package io.remora.stats;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Envoy's ClusterLbStats ({@code cluster.<name>.lb_*}), made with every cluster as Envoy makes them, whether or not
 * it balances by zone or subsets: the zone-aware balancer and the subset balancer count into these same meters.
 */
final class ClusterLbStats {
    private static final String[] COUNTERS = {"lb_healthy_panic", "lb_local_cluster_not_ok",
        "lb_recalculate_zone_structures", "lb_subsets_created", "lb_subsets_fallback", "lb_subsets_fallback_panic",
        "lb_subsets_removed", "lb_subsets_selected", "lb_zone_cluster_too_small", "lb_zone_no_capacity_left",
        "lb_zone_routing_all_directly", "lb_zone_routing_cross_zone", "lb_zone_routing_sampled"};

    private ClusterLbStats() {
    }

    static void register(MeterRegistry r, String cluster) {
        for (String stat : COUNTERS) {
            Counter.builder("envoy_cluster_" + stat).tag(ClusterStats.TAG, cluster).register(r);
        }
    }
}
