package io.remora.upstream;

import io.remora.config.LoadBalancingConfig;

import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One worker's load balancer over one {@link PrioritySet} (Envoy's per-worker
 * {@code ZoneAwareLoadBalancerBase}): its own pickers per priority (round robin positions,
 * scheduler offsets) and its own locality balancers for zone-aware routing, over the shared,
 * immutable host sets, loads and consistent-hash tables. Used by its worker's thread only.
 */
final class WorkerLoadBalancer {
    private final PrioritySet set;
    private final HostSource.Picker[] healthy;
    private final HostSource.Picker[] degraded;
    /** The zone routing these locality balancers belong to; a new one (local cluster changed) means new ones. */
    private ZoneRouting zoneRouting;
    private LoadBalancer[] zoneBalancers;
    /** Set by zoneHost when fail_traffic_on_panic leaves the pick without a host. */
    private boolean failTraffic;

    WorkerLoadBalancer(PrioritySet set) {
        this.set = set;
        int n = set.priorityCount();
        healthy = new HostSource.Picker[n];
        degraded = new HostSource.Picker[n];
        for (int p = 0; p < n; p++) {
            healthy[p] = set.healthySource(p).newPicker();
            // In panic both loads pick from the same hosts: one picker, one rotation.
            degraded[p] = set.degradedSource(p) == set.healthySource(p) ? healthy[p]
                    : set.degradedSource(p).newPicker();
        }
    }

    /**
     * A host by priority load and the level's balancer; null when no level can take load. A hash
     * policy takes the context's hash (random without one) for the priority and the table; a
     * retry host predicate makes up to {@code hostSelectionRetryCount} more picks.
     *
     * @param forced an aggregate cluster's choice of one of this set's levels (its retry priority
     *               included, as Envoy's aggregate context replaces the member's), or null
     */
    Host pick(LoadBalancerContext context, LocalZone zone, ZoneStats zoneStats, int[] forced) {
        int[] cum;
        if (forced != null && forced.length == 2 * healthy.length) {
            cum = forced;
        } else {
            long excluded = context == null ? 0 : context.excludedPriorities();
            cum = excluded == 0 ? set.cumulativeLoad() : set.retryPriorityLoad(excluded);
        }
        if (zone != null && set.zoneEligible()) {
            return pickZoneAware(context, zone, zoneStats, cum);
        }
        boolean hashed = set.hashed();
        if (!hashed && cum[0] == 100 && (context == null || context.hostSelectionRetryCount() == 0)) {
            // The common case: all load on P0's healthy hosts, no hash, no host predicate.
            set.countPanic(0);
            return healthy[0].pick(0, 0);
        }
        int retries = context == null ? 0 : context.hostSelectionRetryCount();
        if (hashed) {
            return pickHashed(context, cum, retries);
        }
        Host host = null;
        for (int attempt = 0; attempt <= retries; attempt++) {
            // Envoy's LoadBalancerBase::chooseHost: each redone pick chooses its priority anew.
            HostSource.Picker source = source(ThreadLocalRandom.current().nextLong(), cum);
            if (source == null) {
                return null;
            }
            host = source.pick(0, 0);
            if (host == null || context == null || !context.shouldSelectAnotherHost(host)) {
                break;
            }
        }
        return host;
    }

    /**
     * Envoy's ThreadAwareLoadBalancerBase chooseHost: the hash (random without one) picks the
     * priority once, counting {@code lb_healthy_panic} once, and the redone picks move through
     * that priority's table only.
     */
    private Host pickHashed(LoadBalancerContext context, int[] cum, int retries) {
        OptionalLong key = context == null ? OptionalLong.empty() : context.computeHashKey();
        long hash = key.isPresent() ? key.getAsLong() : ThreadLocalRandom.current().nextLong();
        HostSource.Picker source = source(hash, cum);
        if (source == null) {
            return null;
        }
        Host host = null;
        for (int attempt = 0; attempt <= retries; attempt++) {
            host = source.pick(hash, attempt);
            if (host == null || context == null || !context.shouldSelectAnotherHost(host)) {
                break;
            }
        }
        return host;
    }

    /**
     * Envoy's chooseHost with zone-aware hostSourceToUse: when P0's healthy hosts take the pick,
     * the locality comes from the zone routing state, then a host of it; every other source as
     * without a local cluster.
     */
    private Host pickZoneAware(LoadBalancerContext context, LocalZone zone, ZoneStats stats, int[] cum) {
        int retries = context == null ? 0 : context.hostSelectionRetryCount();
        Host host = null;
        for (int attempt = 0; attempt <= retries; attempt++) {
            long r = ThreadLocalRandom.current().nextLong();
            HostSource.Picker source = source(r, cum);
            if (source == null) {
                return null;
            }
            host = null;
            if (source == healthy[0]) {
                host = zoneHost(zone, stats);
                if (failTraffic) {
                    failTraffic = false;
                    return null;
                }
            }
            if (host == null) {
                host = source.pick(r, 0);
            }
            if (host == null || context == null || !context.shouldSelectAnotherHost(host)) {
                break;
            }
        }
        return host;
    }

    /** A host of the locality zone routing chooses; null to balance over all of P0. */
    private Host zoneHost(LocalZone zone, ZoneStats stats) {
        PrioritySet local = zone.hostSet();
        if (local == null) {
            return null;
        }
        ZoneRouting z = set.zoneRouting(zone, local, stats);
        if (z.state == ZoneRouting.State.NONE) {
            return null;
        }
        LoadBalancingConfig lb = set.lbConfig();
        LoadBalancingConfig.ZoneAware za = lb.zoneAware() != null ? lb.zoneAware() : LoadBalancingConfig.ZoneAware.DEFAULT;
        if (ThreadLocalRandom.current().nextDouble(100) >= za.routingEnabled()) {
            return null;
        }
        if (local.p0InPanic(Math.min(100, lb.healthyPanicThreshold()))) {
            // The local proxies themselves are mostly unhealthy: their spread says nothing.
            stats.localClusterNotOk.increment();
            failTraffic = za.failTrafficOnPanic();
            return null;
        }
        if (z != zoneRouting) {
            zoneRouting = z;
            zoneBalancers = z.newBalancers();
        }
        return z.pick(stats, zoneBalancers);
    }

    /** The picker of the priority and availability the hash falls on (Envoy's chooseHostSet). */
    private HostSource.Picker source(long hash, int[] cumulative) {
        int n = healthy.length;
        int total = cumulative[2 * n - 1];
        if (total == 0) {
            return null;
        }
        int r = (int) Long.remainderUnsigned(hash, total);
        for (int i = 0; i < 2 * n; i++) {
            if (r < cumulative[i]) {
                set.countPanic(i % n);
                return i < n ? healthy[i] : degraded[i - n];
            }
        }
        return null;
    }
}
