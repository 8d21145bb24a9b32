package io.remora.upstream;

import io.remora.config.ClusterConfig;
import io.remora.stats.ClusterStats;

import io.micrometer.core.instrument.Counter;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A cluster's endpoint stats after each host set rebuild, as Envoy's ClusterImplBase publishes them
 * from its priority update callback: {@code membership_total}, {@code membership_healthy} (degraded
 * hosts apart, in {@code membership_degraded}), {@code membership_excluded}, and
 * {@code membership_change} once per priority whose hosts came or went. {@code max_host_weight}
 * is set as Envoy's updateDynamicHostList sets it: by EDS and DNS updates only, from the last
 * priority they update. Called under the cluster's monitor.
 */
final class MembershipStats {
    private final ClusterStats stats;
    private final Counter managerUpdates;
    /** The hosts of each priority at the last rebuild, by identity, with their health and weight. */
    private List<Map<Host, Long>> last = List.of();

    /** @param managerUpdates {@code cluster_manager.cluster_updated}; null: not counted (a cluster without a runtime, in tests) */
    MembershipStats(ClusterStats stats, Counter managerUpdates) {
        this.stats = stats;
        this.managerUpdates = managerUpdates;
    }

    /**
     * @param initialized the cluster had initialized before this rebuild: from then on each priority whose hosts,
     *                    health or weights changed is an update the cluster manager delivers
     *                    ({@code cluster_manager.cluster_updated}), as Envoy's priority update callback, set up
     *                    once the cluster initializes
     */
    void published(List<Host> all, List<List<Host>> levels, ClusterConfig c, boolean initialized) {
        List<Map<Host, Long>> now = new ArrayList<>(levels.size());
        for (List<Host> level : levels) {
            Map<Host, Long> states = new IdentityHashMap<>();
            for (Host h : level) {
                states.put(h, ((long) h.weight() << 2) | (h.isHealthy() ? 1 : 0) | (h.isDegraded() ? 2 : 0));
            }
            now.add(states);
        }
        for (int p = 0; p < Math.max(now.size(), last.size()); p++) {
            Map<Host, Long> before = p < last.size() ? last.get(p) : Map.of();
            Map<Host, Long> after = p < now.size() ? now.get(p) : Map.of();
            if (!before.keySet().equals(after.keySet())) {
                stats.membershipChange.increment();
                if (initialized && managerUpdates != null) {
                    managerUpdates.increment();
                }
            } else if (initialized && managerUpdates != null && !before.equals(after)) {
                managerUpdates.increment();
            }
        }
        last = now;
        long healthy = 0;
        long degraded = 0;
        long excluded = 0;
        for (Host h : all) {
            if (h.isDegraded()) {
                degraded++;
            } else if (h.isHealthy()) {
                healthy++;
            }
            if (h.healthFlagGet(HealthFlag.PENDING_ACTIVE_HC) || h.isExcluded()) {
                excluded++;
            }
        }
        stats.membershipTotal.set(all.size());
        stats.membershipHealthy.set(healthy);
        stats.membershipDegraded.set(degraded);
        stats.membershipExcluded.set(excluded);
        ClusterConfig.DiscoveryType type = c.type();
        if (type == ClusterConfig.DiscoveryType.EDS || type == ClusterConfig.DiscoveryType.STRICT_DNS
                || type == ClusterConfig.DiscoveryType.LOGICAL_DNS) {
            long max = 0;
            List<Host> lastLevel = levels.isEmpty() ? List.of() : levels.get(levels.size() - 1);
            for (Host h : lastLevel) {
                max = Math.max(max, h.weight());
            }
            stats.maxHostWeight.set(max);
        }
    }
}
