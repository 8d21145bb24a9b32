package io.remora.upstream;

import io.remora.config.ClusterConfig.LbPolicy;
import io.remora.config.ClusterLoadAssignment.Locality;
import io.remora.config.LoadBalancingConfig;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Envoy's zone-aware routing ({@code ZoneAwareLoadBalancerBase}) for priority 0 of one upstream
 * host set, against the local cluster (the proxies of this service, by locality): send to the
 * local locality as much as its share of upstream capacity allows, and the rest to the other
 * localities in proportion to their spare capacity. Percentages are in units of 0.01% (10000 =
 * 100%), healthy host counts per locality as the basis. Immutable once computed; computed again
 * when either host set changes.
 */
final class ZoneRouting {

    enum State { NONE, DIRECT, RESIDUAL }

    /** The local cluster host set this was computed from (identity: a new one means recompute). */
    final PrioritySet localSet;
    final State state;
    /**
     * Per upstream locality (the local one first when it has hosts), its healthy hosts' balancer
     * or null; each worker makes its own instances ({@link #newBalancers()}).
     */
    private final LoadBalancer.Factory[] localities;
    private final long localPercentToRoute;
    private final long[] residualCapacity;

    private ZoneRouting(PrioritySet localSet, State state, LoadBalancer.Factory[] localities, long localPercentToRoute,
                        long[] residualCapacity) {
        this.localSet = localSet;
        this.state = state;
        this.localities = localities;
        this.localPercentToRoute = localPercentToRoute;
        this.residualCapacity = residualCapacity;
    }

    /**
     * Envoy's regenerateLocalityRoutingStructures.
     *
     * @param upstreamHosts every P0 host of the upstream cluster
     * @param localHosts    every P0 host of the local cluster
     */
    static ZoneRouting compute(Host[] upstreamHosts, LbPolicy policy, int choiceCount, LoadBalancingConfig lb,
                               Locality nodeLocality, PrioritySet localSet, List<Host> localHosts, ZoneStats stats) {
        stats.recalculateZoneStructures.increment();
        LoadBalancingConfig.ZoneAware za = lb.zoneAware() != null ? lb.zoneAware() : LoadBalancingConfig.ZoneAware.DEFAULT;
        List<List<Host>> upstream = perLocality(List.of(upstreamHosts), nodeLocality);
        boolean upstreamHasLocal = !upstream.isEmpty() && nodeLocality.equals(upstream.get(0).get(0).locality());
        List<List<Host>> local = perLocality(localHosts, nodeLocality);
        boolean force = za.forceLocalityDirectRouting();
        if (upstream.size() < 2 || local.size() < 2 && !force) {
            return none(localSet);
        }
        if (local.isEmpty() || !nodeLocality.equals(local.get(0).get(0).locality())) {
            // The local cluster does not list this proxy's locality: no basis for the split.
            stats.localClusterNotOk.increment();
            return none(localSet);
        }
        int upstreamHealthy = 0;
        long[] upstreamCounts = new long[upstream.size()];
        List<Host[]> healthyPerLocality = new ArrayList<>(upstream.size());
        for (int i = 0; i < upstream.size(); i++) {
            Host[] healthy = upstream.get(i).stream().filter(ZoneRouting::healthy).toArray(Host[]::new);
            healthyPerLocality.add(healthy);
            upstreamCounts[i] = healthy.length;
            upstreamHealthy += healthy.length;
        }
        if (upstreamHealthy < za.minClusterSize()) {
            stats.clusterTooSmall.increment();
            return none(localSet);
        }
        Map<Locality, Long> localCounts = new LinkedHashMap<>();
        long localHealthy = 0;
        for (List<Host> l : local) {
            long n = l.stream().filter(ZoneRouting::healthy).count();
            localCounts.put(l.get(0).locality(), n);
            localHealthy += n;
        }
        long[] localPct = new long[upstream.size()];
        long[] upstreamPct = new long[upstream.size()];
        for (int i = 0; i < upstream.size(); i++) {
            if (upstreamCounts[i] == 0) {
                continue; // no healthy host there: neither share matters
            }
            Locality l = upstream.get(i).get(0).locality();
            localPct[i] = localHealthy > 0 ? 10000L * localCounts.getOrDefault(l, 0L) / localHealthy : 0;
            upstreamPct[i] = 10000L * upstreamCounts[i] / upstreamHealthy;
        }
        LoadBalancer.Factory[] balancers = new LoadBalancer.Factory[upstream.size()];
        for (int i = 0; i < balancers.length; i++) {
            Host[] h = healthyPerLocality.get(i);
            balancers[i] = h.length == 0 ? null : LoadBalancer.factory(policy, h, choiceCount, lb);
        }
        if (upstreamHasLocal && upstreamPct[0] > 0 && (upstreamPct[0] >= localPct[0] || force)) {
            // force_locality_direct_routing: all of it locally while a local host is healthy.
            return new ZoneRouting(localSet, State.DIRECT, balancers, 10000, null);
        }
        long toLocal = upstreamHasLocal && localPct[0] > 0 ? upstreamPct[0] * 10000 / localPct[0] : 0;
        long[] residual = new long[upstream.size()];
        for (int i = 0; i < residual.length; i++) {
            long last = i > 0 ? residual[i - 1] : 0;
            if (i == 0 && upstreamHasLocal) {
                residual[i] = last; // the local locality took what it could already
            } else if (upstreamPct[i] > localPct[i]) {
                residual[i] = last + upstreamPct[i] - localPct[i];
            } else {
                residual[i] = last;
            }
        }
        return new ZoneRouting(localSet, State.RESIDUAL, balancers, toLocal, residual);
    }

    private static ZoneRouting none(PrioritySet localSet) {
        return new ZoneRouting(localSet, State.NONE, new LoadBalancer.Factory[0], 0, null);
    }

    private static boolean healthy(Host h) {
        return h.isHealthy() && !h.isDegraded();
    }

    /** Hosts grouped by locality, the node's locality first when some host is in it. */
    private static List<List<Host>> perLocality(List<Host> hosts, Locality nodeLocality) {
        Map<Locality, List<Host>> by = new LinkedHashMap<>();
        List<Host> mine = null;
        for (Host h : hosts) {
            if (h.locality().equals(nodeLocality)) {
                if (mine == null) {
                    mine = new ArrayList<>();
                }
                mine.add(h);
            } else {
                by.computeIfAbsent(h.locality(), k -> new ArrayList<>()).add(h);
            }
        }
        List<List<Host>> out = new ArrayList<>(by.size() + 1);
        if (mine != null) {
            out.add(mine);
        }
        out.addAll(by.values());
        return out;
    }

    /** The calling worker's balancers of the localities, by index. */
    LoadBalancer[] newBalancers() {
        LoadBalancer[] mine = new LoadBalancer[localities.length];
        for (int i = 0; i < mine.length; i++) {
            mine[i] = localities[i] == null ? null : localities[i].newInstance();
        }
        return mine;
    }

    /**
     * Envoy's tryChooseLocalLocalityHosts, then a host of that locality; null when the chosen
     * locality has no healthy host (the caller balances over the whole priority instead).
     *
     * @param balancers the calling worker's {@link #newBalancers()} of this routing
     */
    Host pick(ZoneStats stats, LoadBalancer[] balancers) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        int index;
        if (state == State.DIRECT) {
            stats.allDirectly.increment();
            index = 0;
        } else if (r.nextLong(10000) < localPercentToRoute) {
            stats.sampled.increment();
            index = 0;
        } else {
            stats.crossZone.increment();
            long total = residualCapacity[residualCapacity.length - 1];
            if (total == 0) {
                stats.noCapacityLeft.increment();
                index = r.nextInt(localities.length);
            } else {
                long threshold = r.nextLong(total);
                index = 0;
                while (threshold >= residualCapacity[index]) {
                    index++;
                }
            }
        }
        LoadBalancer b = balancers[index];
        return b == null ? null : b.pick();
    }
}
