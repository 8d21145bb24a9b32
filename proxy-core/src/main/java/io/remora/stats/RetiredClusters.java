package io.remora.stats;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The stat names of clusters that were removed. Envoy's cluster stats live in the cluster's scope and go with it:
 * once CDS removes a cluster, {@code /stats}, Prometheus and the sinks no longer show {@code cluster.<name>.*}.
 * Remora's meters stay registered (filters and the xDS client hold them), so the exports leave them out until a
 * cluster of that stat name comes back, whose counters then read from zero, as a new scope's would.
 */
public final class RetiredClusters {
    private static final Map<MeterRegistry, Set<String>> BY_REGISTRY = new WeakHashMap<>();

    private RetiredClusters() {
    }

    /** The registry's retired stat names: read once per export, then ask {@link #hidden(Set, Meter)}. */
    static Set<String> of(MeterRegistry registry) {
        synchronized (BY_REGISTRY) {
            return BY_REGISTRY.computeIfAbsent(registry, r -> ConcurrentHashMap.newKeySet());
        }
    }

    /** No cluster has this stat name any more. */
    public static void retire(MeterRegistry registry, String statName) {
        of(registry).add(statName);
    }

    /** A cluster of this stat name was made: its stats show again, counters from zero. */
    public static void restore(MeterRegistry registry, String statName) {
        Set<String> retired = of(registry);
        if (retired.isEmpty() || !retired.remove(statName)) {
            return;
        }
        for (Meter m : registry.getMeters()) {
            if (statName.equals(m.getId().getTag(ClusterStats.TAG))) {
                CounterResets.reset(m);
            }
        }
    }

    static boolean hidden(Set<String> retired, Meter m) {
        if (retired.isEmpty()) {
            return false;
        }
        String cluster = m.getId().getTag(ClusterStats.TAG);
        return cluster != null && retired.contains(cluster);
    }
}
