package io.remora.upstream;

import io.remora.config.ClusterConfig.LbPolicy;
import io.remora.config.ClusterLoadAssignment.Locality;
import io.remora.config.LoadBalancingConfig;
import io.remora.upstream.lb.BoundedLoadHashLoadBalancer;
import io.remora.upstream.lb.HashLoadBalancer;
import io.remora.upstream.lb.MaglevLoadBalancer;
import io.remora.upstream.lb.RingHashLoadBalancer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The hosts one priority's healthy (or degraded, or panic) load picks from, with the balancer
 * over them: a consistent-hash table, a locality-weighted choice then the locality's balancer,
 * or the cluster's policy over all of them. A source is built once per host-set change and
 * shared; each worker picks through its own {@link Picker} (its own rotation state), while
 * consistent-hash tables are immutable and one picker serves every worker.
 */
abstract class HostSource {

    /** One worker's way to pick from a source; called on that worker's thread only. */
    @FunctionalInterface
    interface Picker {
        /** Null when the source has no host. */
        Host pick(long hash, int attempt);
    }

    static final HostSource EMPTY = shared((hash, attempt) -> null);

    /** A picker for the calling worker; stateless sources hand every worker the same one. */
    abstract Picker newPicker();

    private static HostSource shared(Picker picker) {
        return new HostSource() {
            @Override
            Picker newPicker() {
                return picker;
            }
        };
    }

    /**
     * @param hosts      the hosts to pick from
     * @param levelHosts every host of the priority, for locality availability
     * @param clusterActive the cluster's active requests, for bounded-load hashing
     */
    static HostSource of(Host[] hosts, Host[] levelHosts, LbPolicy policy, int choiceCount, LoadBalancingConfig lb,
                         Map<Locality, Integer> localityWeights, int overprovisioning,
                         java.util.function.LongSupplier clusterActive) {
        if (hosts.length == 0) {
            return EMPTY;
        }
        if (policy == LbPolicy.RING_HASH || policy == LbPolicy.MAGLEV) {
            double[] w = new double[hosts.length];
            for (int i = 0; i < hosts.length; i++) {
                w[i] = Math.max(1, hosts[i].weight());
            }
            if (lb.localityWeighted() && !localityWeights.isEmpty()) {
                hosts = byLocalityWeight(hosts, w, localityWeights);
                if (hosts.length == 0) {
                    return EMPTY;
                }
                w = Arrays.copyOf(w, hosts.length);
            }
            HashLoadBalancer built = policy == LbPolicy.RING_HASH
                    ? new RingHashLoadBalancer(hosts, w, lb.ringHash())
                    : new MaglevLoadBalancer(hosts, w, lb.maglev());
            int factor = policy == LbPolicy.RING_HASH ? lb.ringHash().hashBalanceFactor()
                    : lb.maglev().hashBalanceFactor();
            HashLoadBalancer table = factor > 0
                    ? new BoundedLoadHashLoadBalancer(built, hosts, w, factor, clusterActive) : built;
            return new Hashed(built, table::chooseHost);
        }
        if (lb.localityWeighted() && !localityWeights.isEmpty()) {
            HostSource byLocality = LocalityWeighted.of(hosts, levelHosts, policy, choiceCount, lb, localityWeights,
                    overprovisioning);
            if (byLocality != null) {
                return byLocality;
            }
        }
        LoadBalancer.Factory balancer = LoadBalancer.factory(policy, hosts, choiceCount, lb);
        return new HostSource() {
            @Override
            Picker newPicker() {
                LoadBalancer mine = balancer.newInstance();
                return (hash, attempt) -> mine.pick();
            }
        };
    }

    /** A consistent-hash table's source: one immutable picker for every worker. */
    static final class Hashed extends HostSource {
        /** The ring or Maglev table itself (under any bounded-load wrapper), for its gauges. */
        final HashLoadBalancer table;
        private final Picker picker;

        private Hashed(HashLoadBalancer table, Picker picker) {
            this.table = table;
            this.picker = picker;
        }

        @Override
        Picker newPicker() {
            return picker;
        }
    }

    /**
     * Envoy's normalizeLocalityWeights for a hash table: each host weighs its locality's share of
     * the locality weights times its share of its locality's host weights; hosts of a locality
     * without weight are left out. Writes the weights of the hosts it keeps, in order, to {@code w}.
     */
    private static Host[] byLocalityWeight(Host[] hosts, double[] w, Map<Locality, Integer> localityWeights) {
        double weightSum = 0;
        for (int lw : localityWeights.values()) {
            weightSum += lw;
        }
        Map<Locality, Double> hostSums = new java.util.HashMap<>();
        for (int i = 0; i < hosts.length; i++) {
            hostSums.merge(hosts[i].locality(), w[i], Double::sum);
        }
        List<Host> kept = new ArrayList<>(hosts.length);
        double[] weights = new double[hosts.length];
        for (int i = 0; i < hosts.length; i++) {
            int lw = localityWeights.getOrDefault(hosts[i].locality(), 0);
            if (lw > 0) {
                weights[kept.size()] = w[i] * (lw / weightSum) / hostSums.get(hosts[i].locality());
                kept.add(hosts[i]);
            }
        }
        System.arraycopy(weights, 0, w, 0, kept.size());
        return kept.toArray(new Host[0]);
    }

    /**
     * Envoy's locality-weighted balancing: a locality is chosen by
     * {@code load_balancing_weight × min(1, overprovisioning × healthy / hosts)} of that locality,
     * then a host within it by the cluster's policy.
     */
    static final class LocalityWeighted extends HostSource {
        private final LoadBalancer.Factory[] balancers;
        private final double[] cumulative;

        private LocalityWeighted(LoadBalancer.Factory[] balancers, double[] cumulative) {
            this.balancers = balancers;
            this.cumulative = cumulative;
        }

        static HostSource of(Host[] hosts, Host[] levelHosts, LbPolicy policy, int choiceCount, LoadBalancingConfig lb,
                             Map<Locality, Integer> weights, int overprovisioning) {
            Map<Locality, List<Host>> byLocality = new LinkedHashMap<>();
            for (Host h : hosts) {
                byLocality.computeIfAbsent(h.locality(), k -> new ArrayList<>()).add(h);
            }
            Map<Locality, Integer> totals = new LinkedHashMap<>();
            for (Host h : levelHosts) {
                totals.merge(h.locality(), 1, Integer::sum);
            }
            List<LoadBalancer.Factory> lbs = new ArrayList<>();
            List<Double> cum = new ArrayList<>();
            double sum = 0;
            for (Map.Entry<Locality, List<Host>> e : byLocality.entrySet()) {
                Integer w = weights.get(e.getKey());
                if (w == null || w == 0) {
                    continue; // Envoy: a locality without weight takes no load when weighting is on
                }
                int total = totals.getOrDefault(e.getKey(), e.getValue().size());
                double availability = Math.min(1.0, overprovisioning / 100.0 * e.getValue().size() / total);
                double effective = w * availability;
                if (effective <= 0) {
                    continue;
                }
                sum += effective;
                cum.add(sum);
                lbs.add(LoadBalancer.factory(policy, e.getValue().toArray(new Host[0]), choiceCount, lb));
            }
            if (lbs.isEmpty()) {
                return null;
            }
            double[] c = new double[cum.size()];
            for (int i = 0; i < c.length; i++) {
                c[i] = cum.get(i);
            }
            return new LocalityWeighted(lbs.toArray(new LoadBalancer.Factory[0]), c);
        }

        @Override
        Picker newPicker() {
            LoadBalancer[] mine = new LoadBalancer[balancers.length];
            for (int i = 0; i < mine.length; i++) {
                mine[i] = balancers[i].newInstance();
            }
            return (hash, attempt) -> {
                double r = ThreadLocalRandom.current().nextDouble() * cumulative[cumulative.length - 1];
                for (int i = 0; i < cumulative.length; i++) {
                    if (r < cumulative[i]) {
                        return mine[i].pick();
                    }
                }
                return mine[mine.length - 1].pick();
            };
        }
    }
}
