package io.remora.upstream;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.stats.ClusterStats;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Envoy's {@code cluster.<name>.lb_subsets_*} stats of the subset load balancer: picks from a
 * subset, from the cluster's fallback, from panic_mode_any, and single_host_per_subset duplicates.
 * Bound once per cluster; the subsets rebuilt on each host change count into the same ones.
 */
final class SubsetStats {
    final Counter selected;
    final Counter fallback;
    final Counter fallbackPanic;
    final AtomicLong singleHostPerSubsetDuplicate = new AtomicLong();

    private static final java.util.Map<MeterRegistry, java.util.Map<String, SubsetStats>> BOUND =
            java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    /** Kept for the registry's life: a cluster re-added under its name must move the gauge already registered. */
    static SubsetStats of(MeterRegistry r, String cluster) {
        return BOUND.computeIfAbsent(r, k -> new java.util.concurrent.ConcurrentHashMap<>())
                .computeIfAbsent(cluster, n -> new SubsetStats(r, n));
    }

    private SubsetStats(MeterRegistry r, String cluster) {
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
