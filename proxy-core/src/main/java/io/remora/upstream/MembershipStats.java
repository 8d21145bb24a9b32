package io.remora.upstream;

import io.remora.config.ClusterConfig;
import io.remora.stats.ClusterStats;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

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
    /** The hosts of each priority at the last rebuild, by identity. */
    private List<Set<Host>> last = List.of();

    MembershipStats(ClusterStats stats) {
        this.stats = stats;
    }

    void published(List<Host> all, List<List<Host>> levels, ClusterConfig c) {
        List<Set<Host>> now = new ArrayList<>(levels.size());
        for (List<Host> level : levels) {
            Set<Host> s = Collections.newSetFromMap(new IdentityHashMap<>());
            s.addAll(level);
            now.add(s);
        }
        for (int p = 0; p < Math.max(now.size(), last.size()); p++) {
            Set<Host> before = p < last.size() ? last.get(p) : Set.of();
            Set<Host> after = p < now.size() ? now.get(p) : Set.of();
            if (!before.equals(after)) {
                stats.membershipChange.increment();
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
