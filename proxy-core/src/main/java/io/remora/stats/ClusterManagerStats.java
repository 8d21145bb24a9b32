package io.remora.stats;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Envoy's {@code cluster_manager.*} stats (ALL_CLUSTER_MANAGER_STATS of cluster_manager_impl.h): what each cluster
 * update did and how many clusters are active and warming. Control planes' test harnesses read
 * {@code cluster_added} and the gauges to know a CDS response was applied. The cluster manager counts the clusters it
 * takes, the xDS client the clusters that wait for their load assignment: both reach one instance per registry
 * through {@link #of}.
 *
 * <p>Host set updates are delivered at once, as with a 0 {@code update_merge_window}: each counts
 * {@code cluster_updated}, and {@code cluster_updated_via_merge}, {@code update_merge_cancelled} and
 * {@code update_out_of_merge_window} stay 0, as Envoy's do with that window.
 */
public final class ClusterManagerStats {
    private static final Map<MeterRegistry, ClusterManagerStats> BY_REGISTRY = new WeakHashMap<>();

    /** A cluster of a new name: each static one at start, then each one CDS brings. */
    public final Counter clusterAdded;
    /** A cluster whose config changed; the same config again counts nothing. */
    public final Counter clusterModified;
    public final Counter clusterRemoved;
    /** A priority's host set changed after the cluster initialized (hosts, health or weights). */
    public final Counter clusterUpdated;
    private final AtomicLong active = new AtomicLong();
    private final AtomicLong warming = new AtomicLong();

    private ClusterManagerStats(MeterRegistry r) {
        clusterAdded = r.counter("envoy_cluster_manager_cluster_added");
        clusterModified = r.counter("envoy_cluster_manager_cluster_modified");
        clusterRemoved = r.counter("envoy_cluster_manager_cluster_removed");
        clusterUpdated = r.counter("envoy_cluster_manager_cluster_updated");
        r.counter("envoy_cluster_manager_cluster_updated_via_merge");
        r.counter("envoy_cluster_manager_update_merge_cancelled");
        r.counter("envoy_cluster_manager_update_out_of_merge_window");
        Gauge.builder("envoy_cluster_manager_active_clusters", active, AtomicLong::get).register(r);
        Gauge.builder("envoy_cluster_manager_warming_clusters", warming, AtomicLong::get).register(r);
    }

    /** The registry's cluster manager stats, made on first use. */
    public static ClusterManagerStats of(MeterRegistry registry) {
        synchronized (BY_REGISTRY) {
            return BY_REGISTRY.computeIfAbsent(registry, ClusterManagerStats::new);
        }
    }

    /** The clusters the manager holds now. */
    public void active(long n) {
        active.set(n);
    }

    /** The xDS clusters still waiting for their first load assignment. */
    public void warming(long n) {
        warming.set(n);
    }
}
