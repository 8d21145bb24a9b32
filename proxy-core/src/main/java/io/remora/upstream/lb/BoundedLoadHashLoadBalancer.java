package io.remora.upstream.lb;

import io.remora.upstream.Host;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Envoy's bounded-load consistent hashing ({@code hash_balance_factor}, arXiv 1608.01350) over a
 * ring or Maglev table: the host the key hashes to takes the request unless its active requests
 * exceed its slots, {@code max(1, ceil(weight × ceil((cluster active + 1) × factor / 100)))} with
 * its weight normalized over the table's hosts. Past that bound the other hosts are tried in a
 * random order seeded by the hash (Envoy's std::mt19937 walk; a random jump, arXiv 1908.08762, so one hot key does not
 * cascade onto its ring neighbour; the same key walks the same way every time): the first within
 * its bound takes it, else the least overloaded. O(hosts) only when the first choice is over.
 */
public final class BoundedLoadHashLoadBalancer implements HashLoadBalancer {
    private final HashLoadBalancer table;
    private final Host[] hosts;
    private final double[] normalized;
    private final Map<Host, Integer> index;
    private final int factor;
    private final LongSupplier clusterActive;

    /**
     * @param weights       the hosts' weights (as the table was built from)
     * @param factor        hash_balance_factor, a percent of at least 100
     * @param clusterActive the cluster's active requests (Envoy's upstream_rq_active)
     */
    public BoundedLoadHashLoadBalancer(HashLoadBalancer table, Host[] hosts, double[] weights, int factor,
                                       LongSupplier clusterActive) {
        this.table = table;
        this.hosts = hosts.clone();
        this.factor = factor;
        this.clusterActive = clusterActive;
        double sum = 0;
        for (double w : weights) {
            sum += w;
        }
        this.normalized = new double[hosts.length];
        this.index = new IdentityHashMap<>(hosts.length * 2);
        for (int i = 0; i < hosts.length; i++) {
            normalized[i] = weights[i] / sum;
            index.put(hosts[i], i);
        }
    }

    @Override
    public Host chooseHost(long hash, int attempt) {
        Host first = table.chooseHost(hash, attempt);
        if (first == null) {
            return null;
        }
        double firstLoad = overload(first, normalized[index.get(first)]);
        if (firstLoad <= 1.0) {
            return first;
        }
        int n = hosts.length;
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        // Envoy's generator and draws, so a key spills to the same host as on an Envoy.
        Mt19937 random = new Mt19937(hash);
        Host least = first;
        double leastLoad = firstLoad;
        for (int i = 0; i < n; i++) {
            int j = i + random.below(n - i);
            int k = order[j];
            order[j] = order[i];
            order[i] = k;
            Host alt = hosts[k];
            if (alt == first) {
                continue;
            }
            double load = overload(alt, normalized[k]);
            if (load <= 1.0) {
                return alt;
            }
            if (load < leastLoad) {
                least = alt;
                leastLoad = load;
            }
        }
        return least;
    }

    /** Active requests over the host's slots: above 1 the host is past its bound. */
    private double overload(Host host, double weight) {
        long totalSlots = ((Math.max(0, clusterActive.getAsLong()) + 1) * factor + 99) / 100;
        long slots = Math.max((long) Math.ceil(totalSlots * weight), 1);
        return (double) host.activeRequests.get() / slots;
    }
}
