package io.remora.stats;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Envoy's {@code cluster.<name>.lb_subsets_*} stats of the subset load balancer: picks from a
 * subset, from the cluster's fallback, from panic_mode_any, and single_host_per_subset duplicates.
 */
public final class LbSubsetStats {
    public final Counter selected;
    public final Counter fallback;
    public final Counter fallbackPanic;
    public final AtomicLong singleHostPerSubsetDuplicate = new AtomicLong();

    LbSubsetStats(MeterRegistry r, String cluster) {
        selected = c(r, cluster, "envoy_cluster_lb_subsets_selected");
        fallback = c(r, cluster, "envoy_cluster_lb_subsets_fallback");
        fallbackPanic = c(r, cluster, "envoy_cluster_lb_subsets_fallback_panic");
        Gauge.builder("envoy_cluster_lb_subsets_single_host_per_subset_duplicate", singleHostPerSubsetDuplicate,
                AtomicLong::get).tag(ClusterStats.TAG, cluster).register(r);
    }

    private static Counter c(MeterRegistry r, String cluster, String name) {
        return Counter.builder(name).tag(ClusterStats.TAG, cluster).register(r);
    }
}
