package io.remora.stats;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Envoy's ClusterConfigUpdateStats of one cluster ({@code cluster.<name>.}): {@code assignment_stale},
 * {@code assignment_timeout_received}, {@code assignment_use_cached}, {@code update_attempt}, {@code update_empty},
 * {@code update_failure}, {@code update_no_rebuild}, {@code update_success} and the gauges {@code version} and
 * {@code warming_state}, made with the cluster. Envoy's EDS subscription lives in the cluster's scope, so its
 * SubscriptionStats of the same names are these very stats: the cluster (DNS refreshes, stale assignments) and its
 * EDS subscription (in the xDS client) both reach them through {@link #of}, one instance per registry and name, as a
 * gauge registered twice would keep only the first value.
 */
public final class ClusterConfigUpdateStats {
    private static final Map<MeterRegistry, Map<String, ClusterConfigUpdateStats>> BY_REGISTRY = new WeakHashMap<>();

    public final Counter assignmentStale;
    public final Counter assignmentTimeoutReceived;
    public final Counter assignmentUseCached;
    public final Counter updateAttempt;
    public final Counter updateEmpty;
    public final Counter updateFailure;
    public final Counter updateNoRebuild;
    public final Counter updateSuccess;
    /** xxHash64 of the version_info the EDS subscription took last (0 before and for other clusters), unsigned. */
    public final AtomicLong version = new AtomicLong();
    /** 1 while the cluster warms (an xDS cluster waiting for its first assignment), else 0. */
    public final AtomicLong warmingState = new AtomicLong();

    private ClusterConfigUpdateStats(MeterRegistry r, String cluster) {
        assignmentStale = c(r, cluster, "assignment_stale");
        assignmentTimeoutReceived = c(r, cluster, "assignment_timeout_received");
        assignmentUseCached = c(r, cluster, "assignment_use_cached");
        updateAttempt = c(r, cluster, "update_attempt");
        updateEmpty = c(r, cluster, "update_empty");
        updateFailure = c(r, cluster, "update_failure");
        updateNoRebuild = c(r, cluster, "update_no_rebuild");
        updateSuccess = c(r, cluster, "update_success");
        // a uint64 Envoy prints whole; a meter's value is a double, exact to 53 bits, and still changes with it
        Gauge.builder("envoy_cluster_version", version, v -> Double.parseDouble(Long.toUnsignedString(v.get())))
                .tag(ClusterStats.TAG, cluster).register(r);
        Gauge.builder("envoy_cluster_warming_state", warmingState, AtomicLong::get).tag(ClusterStats.TAG, cluster)
                .register(r);
    }

    /** The stats of the cluster whose stat name (alt_stat_name, else its name) is {@code cluster}. */
    public static ClusterConfigUpdateStats of(MeterRegistry registry, String cluster) {
        Map<String, ClusterConfigUpdateStats> byName;
        synchronized (BY_REGISTRY) {
            byName = BY_REGISTRY.computeIfAbsent(registry, r -> new ConcurrentHashMap<>());
        }
        ClusterConfigUpdateStats s = byName.get(cluster);
        return s != null ? s : byName.computeIfAbsent(cluster, n -> new ClusterConfigUpdateStats(registry, n));
    }

    private static Counter c(MeterRegistry r, String cluster, String stat) {
        return Counter.builder("envoy_cluster_" + stat).tag(ClusterStats.TAG, cluster).register(r);
    }
}
