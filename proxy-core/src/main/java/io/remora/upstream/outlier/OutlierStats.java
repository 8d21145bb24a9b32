package io.remora.upstream.outlier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.stats.ClusterStats;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** Envoy's {@code cluster.<name>.outlier_detection.*} stats. */
final class OutlierStats {
    final AtomicLong ejectionsActive = new AtomicLong();
    final Counter ejectionsEnforcedTotal;
    final Counter ejectionsOverflow;
    /** Deprecated in Envoy, still emitted: consecutive 5xx and success rate ejections. */
    final Counter ejectionsTotal;
    final Counter ejectionsConsecutive5xx;
    final Counter ejectionsSuccessRate;
    private final Map<EjectionType, Counter> detected = new EnumMap<>(EjectionType.class);
    private final Map<EjectionType, Counter> enforced = new EnumMap<>(EjectionType.class);

    private static final java.util.Map<MeterRegistry, java.util.Map<String, OutlierStats>> BOUND =
            java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    /**
     * The stats of a cluster by stat name, kept for the registry's life: a cluster rebuilt under
     * the same name must count into the gauges already registered, not into orphaned ones.
     */
    static OutlierStats of(MeterRegistry r, String cluster) {
        return BOUND.computeIfAbsent(r, k -> new java.util.concurrent.ConcurrentHashMap<>())
                .computeIfAbsent(cluster, n -> new OutlierStats(r, n));
    }

    private OutlierStats(MeterRegistry r, String cluster) {
        Gauge.builder("envoy_cluster_outlier_detection_ejections_active", ejectionsActive, AtomicLong::get)
                .tag(ClusterStats.TAG, cluster).register(r);
        ejectionsEnforcedTotal = c(r, cluster, "ejections_enforced_total");
        ejectionsOverflow = c(r, cluster, "ejections_overflow");
        ejectionsTotal = c(r, cluster, "ejections_total");
        ejectionsConsecutive5xx = c(r, cluster, "ejections_consecutive_5xx");
        ejectionsSuccessRate = c(r, cluster, "ejections_success_rate");
        for (EjectionType t : EjectionType.values()) {
            detected.put(t, c(r, cluster, "ejections_detected_" + t.statSuffix));
            enforced.put(t, c(r, cluster, "ejections_enforced_" + t.statSuffix));
        }
    }

    private static Counter c(MeterRegistry r, String cluster, String stat) {
        return Counter.builder("envoy_cluster_outlier_detection_" + stat).tag(ClusterStats.TAG, cluster).register(r);
    }

    void detected(EjectionType t) {
        detected.get(t).increment();
    }

    void enforced(EjectionType t) {
        ejectionsEnforcedTotal.increment();
        enforced.get(t).increment();
    }
}
