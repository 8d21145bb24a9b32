package io.remora.stats;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Envoy's {@code cluster.<name>.lb_subsets_*} stats of the subset load balancer: picks from a
 * subset, from the cluster's fallback, from panic_mode_any; subsets made, removed and alive
 * ({@code lb_subsets_created}, {@code lb_subsets_removed}, {@code lb_subsets_active}), made with the
 * cluster as Envoy's ClusterLbStats; and single_host_per_subset duplicates, made by the first
 * subset balancer that has them, as Envoy's SubsetLoadBalancer makes that gauge.
 */
public final class LbSubsetStats {
    public final Counter selected;
    public final Counter fallback;
    public final Counter fallbackPanic;
    private final Counter created;
    private final Counter removed;
    private final AtomicLong active = new AtomicLong();
    private final MeterRegistry registry;
    private final String cluster;
    private volatile AtomicLong singleHostPerSubsetDuplicate;
    /** The subsets of the last build, by selector keys and values. */
    private Set<Object> subsets = Set.of();

    LbSubsetStats(MeterRegistry r, String cluster) {
        this.registry = r;
        this.cluster = cluster;
        selected = c(r, cluster, "envoy_cluster_lb_subsets_selected");
        fallback = c(r, cluster, "envoy_cluster_lb_subsets_fallback");
        fallbackPanic = c(r, cluster, "envoy_cluster_lb_subsets_fallback_panic");
        created = c(r, cluster, "envoy_cluster_lb_subsets_created");
        removed = c(r, cluster, "envoy_cluster_lb_subsets_removed");
        Gauge.builder("envoy_cluster_lb_subsets_active", active, AtomicLong::get).tag(ClusterStats.TAG, cluster)
                .register(r);
    }

    /**
     * The subsets a rebuild of the host set left: those not there before were created, those gone were removed
     * (Envoy's processSubsets and purgeEmptySubsets, which keep a subset while it has hosts, healthy or not).
     */
    public synchronized void subsets(Set<Object> now) {
        for (Object s : now) {
            if (!subsets.contains(s)) {
                created.increment();
            }
        }
        for (Object s : subsets) {
            if (!now.contains(s)) {
                removed.increment();
            }
        }
        subsets = new HashSet<>(now);
        active.set(now.size());
    }

    /** {@code lb_subsets_single_host_per_subset_duplicate}. */
    public void singleHostPerSubsetDuplicates(long n) {
        AtomicLong g = singleHostPerSubsetDuplicate;
        if (g == null) {
            synchronized (this) {
                g = singleHostPerSubsetDuplicate;
                if (g == null) {
                    g = new AtomicLong();
                    Gauge.builder("envoy_cluster_lb_subsets_single_host_per_subset_duplicate", g, AtomicLong::get)
                            .tag(ClusterStats.TAG, cluster).register(registry);
                    singleHostPerSubsetDuplicate = g;
                }
            }
        }
        g.set(n);
    }

    private static Counter c(MeterRegistry r, String cluster, String name) {
        return Counter.builder(name).tag(ClusterStats.TAG, cluster).register(r);
    }
}
