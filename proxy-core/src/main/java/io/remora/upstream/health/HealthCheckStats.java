package io.remora.upstream.health;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.stats.ClusterStats;

import java.util.concurrent.atomic.AtomicLong;

/** Envoy's {@code cluster.<name>.health_check.*} stats. */
final class HealthCheckStats {
    final Counter attempt;
    final Counter success;
    final Counter failure;
    final Counter passiveFailure;
    final Counter networkFailure;
    final Counter verifyCluster;
    final AtomicLong healthy = new AtomicLong();
    final AtomicLong degraded = new AtomicLong();

    private static final java.util.Map<MeterRegistry, java.util.Map<String, HealthCheckStats>> BOUND =
            java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    /**
     * The stats of a cluster by stat name, kept for the registry's life: a cluster rebuilt under
     * the same name must count into the gauges already registered, not into orphaned ones.
     */
    static HealthCheckStats of(MeterRegistry r, String cluster) {
        return BOUND.computeIfAbsent(r, k -> new java.util.concurrent.ConcurrentHashMap<>())
                .computeIfAbsent(cluster, n -> new HealthCheckStats(r, n));
    }

    private HealthCheckStats(MeterRegistry r, String cluster) {
        attempt = c(r, cluster, "attempt");
        success = c(r, cluster, "success");
        failure = c(r, cluster, "failure");
        passiveFailure = c(r, cluster, "passive_failure");
        networkFailure = c(r, cluster, "network_failure");
        verifyCluster = c(r, cluster, "verify_cluster");
        Gauge.builder("envoy_cluster_health_check_healthy", healthy, AtomicLong::get)
                .tag(ClusterStats.TAG, cluster).register(r);
        Gauge.builder("envoy_cluster_health_check_degraded", degraded, AtomicLong::get)
                .tag(ClusterStats.TAG, cluster).register(r);
    }

    private static Counter c(MeterRegistry r, String cluster, String stat) {
        return Counter.builder("envoy_cluster_health_check_" + stat).tag(ClusterStats.TAG, cluster).register(r);
    }
}
