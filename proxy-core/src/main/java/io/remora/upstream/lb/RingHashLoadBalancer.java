package io.remora.upstream.lb;

import io.remora.config.LoadBalancingConfig;
import io.remora.upstream.Host;

import java.util.Arrays;
import java.util.function.ToLongFunction;

/**
 * Envoy's RING_HASH (ketama): each host owns points on a 64-bit ring in proportion to its
 * weight; a key goes to the first point at or after its hash. Ring size is the least that gives
 * the lightest host a whole number of points, at least {@code minimum_ring_size}, at most
 * {@code maximum_ring_size}. Points are hashes of {@code "<key>_<i>"} (the key: {@link #hashKey}), so
 * the ring depends only on the hosts: every worker and every restart builds the same one.
 */
public final class RingHashLoadBalancer implements HashLoadBalancer {
    private final long[] hashes;
    private final Host[] hosts;
    /** Envoy's ring_hash_lb gauges: the size the ring was built for, the fewest and most points of a host. */
    private final long configuredSize;
    private final long minHashesPerHost;
    private final long maxHashesPerHost;

    public RingHashLoadBalancer(Host[] in, double[] weights, LoadBalancingConfig.RingHash config) {
        ToLongFunction<String> fn = config.hashFunction() == LoadBalancingConfig.HashFunction.MURMUR_HASH_2
                ? MurmurHash2::hash : XxHash64::hash;
        double sum = 0;
        for (double w : weights) {
            sum += w;
        }
        double minNormalized = 1.0;
        double[] normalized = new double[in.length];
        for (int i = 0; i < in.length; i++) {
            normalized[i] = weights[i] / sum;
            minNormalized = Math.min(minNormalized, normalized[i]);
        }
        // Scale so the lightest host gets a whole number of points, within the configured bounds.
        double scale = Math.min(Math.ceil(minNormalized * config.minimumRingSize()) / minNormalized,
                (double) config.maximumRingSize());
        int size = (int) Math.ceil(scale);
        long[][] entries = new long[size + in.length][];
        int n = 0;
        double current = 0;
        double target = 0;
        long minPoints = size;
        long maxPoints = 0;
        for (int h = 0; h < in.length; h++) {
            String key = hashKey(in[h], config.useHostnameForHashing()) + "_";
            target += scale * normalized[h];
            long i = 0;
            while (current < target) {
                if (n == entries.length) {
                    entries = Arrays.copyOf(entries, n * 2);
                }
                entries[n++] = new long[] {fn.applyAsLong(key + i), h};
                i++;
                current++;
            }
            minPoints = Math.min(minPoints, i);
            maxPoints = Math.max(maxPoints, i);
        }
        this.configuredSize = in.length == 0 ? 0 : size;
        this.minHashesPerHost = in.length == 0 ? 0 : minPoints;
        this.maxHashesPerHost = maxPoints;
        long[][] ring = Arrays.copyOf(entries, n);
        // Unsigned order, as Envoy's uint64 ring; ties keep insertion order (stable sort).
        Arrays.sort(ring, (a, b) -> Long.compareUnsigned(a[0], b[0]));
        this.hashes = new long[n];
        this.hosts = new Host[n];
        for (int k = 0; k < n; k++) {
            hashes[k] = ring[k][0];
            hosts[k] = in[(int) ring[k][1]];
        }
    }

    /**
     * Where a host sits in a ring or Maglev table, as Envoy's {@code HashingLoadBalancer::hashKey}:
     * its {@code envoy.lb} metadata's string {@code hash_key} when set (so an endpoint keeps its
     * place when its address changes), else its hostname or its address.
     */
    static String hashKey(Host h, boolean useHostname) {
        if (h.lbMetadata().get("hash_key") instanceof String key && !key.isEmpty()) {
            return key;
        }
        if (useHostname && h.hostname() != null && !h.hostname().isEmpty()) {
            return h.hostname();
        }
        return h.addressString();
    }

    public int size() {
        return hashes.length;
    }

    /** Envoy's {@code ring_hash_lb.size}: the ring size the weights and bounds asked for. */
    public long configuredSize() {
        return configuredSize;
    }

    /** Envoy's {@code ring_hash_lb.min_hashes_per_host}. */
    public long minHashesPerHost() {
        return minHashesPerHost;
    }

    /** Envoy's {@code ring_hash_lb.max_hashes_per_host}. */
    public long maxHashesPerHost() {
        return maxHashesPerHost;
    }

    @Override
    public Host chooseHost(long h, int attempt) {
        int n = hashes.length;
        if (n == 0) {
            return null;
        }
        // The first point whose hash is >= h (wrapping to the start), Envoy's ketama search.
        int lo = 0;
        int hi = n;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(hashes[mid], h) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        int index = lo == n ? 0 : lo;
        if (attempt > 0) {
            // A retry host predicate is active: behave as if the chosen point were not there.
            index = (int) ((index + (long) attempt) % n);
        }
        return hosts[index];
    }
}
