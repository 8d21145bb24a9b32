package io.remora.upstream.lb;

import io.remora.config.LoadBalancingConfig;
import io.remora.upstream.Host;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;

/**
 * Envoy's MAGLEV: a lookup table of a prime size (65537 by default) filled by each host's
 * permutation ({@code offset = xxHash64(key) % M}, {@code skip = xxHash64(key, seed 1) % (M-1) + 1}),
 * hosts taking turns in proportion to their weight. A key goes to {@code table[hash % M]}.
 *
 * <p>The hosts take their turns in the order of their keys, as Envoy sorts them first: the table
 * (and so where every request key goes) does not depend on the order service discovery lists the
 * endpoints in.
 */
public final class MaglevLoadBalancer implements HashLoadBalancer {
    private final Host[] table;
    private final long minEntriesPerHost;
    private final long maxEntriesPerHost;

    public MaglevLoadBalancer(Host[] unsorted, double[] unsortedWeights, LoadBalancingConfig.Maglev config) {
        int m = (int) config.tableSize();
        int n = unsorted.length;
        byte[][] keys = new byte[n][];
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            keys[i] = RingHashLoadBalancer.hashKey(unsorted[i], config.useHostnameForHashing())
                    .getBytes(StandardCharsets.UTF_8);
            order[i] = i;
        }
        // Envoy compares the keys bytewise; equal keys keep their order (a stable sort).
        Arrays.sort(order, Comparator.comparing(i -> keys[i], Arrays::compareUnsigned));
        Host[] in = new Host[n];
        long[] offset = new long[n];
        long[] skip = new long[n];
        long[] next = new long[n];
        long[] count = new long[n];
        double[] weight = new double[n];
        double[] targetWeight = new double[n];
        double sum = 0;
        for (double w : unsortedWeights) {
            sum += w;
        }
        double maxNormalized = 0;
        for (int i = 0; i < n; i++) {
            int from = order[i];
            in[i] = unsorted[from];
            offset[i] = Long.remainderUnsigned(XxHash64.hash(keys[from], 0), m);
            skip[i] = Long.remainderUnsigned(XxHash64.hash(keys[from], 1), m - 1) + 1;
            weight[i] = unsortedWeights[from] / sum;
            targetWeight[i] = weight[i];
            maxNormalized = Math.max(maxNormalized, weight[i]);
        }
        Host[] t = new Host[m];
        int filled = 0;
        for (long iteration = 1; filled < m && n > 0; iteration++) {
            for (int i = 0; i < n && filled < m; i++) {
                // A host of the largest weight places an entry every iteration; one of a third
                // of that weight every third iteration.
                if (iteration * weight[i] < targetWeight[i]) {
                    continue;
                }
                targetWeight[i] += maxNormalized;
                int c = (int) ((offset[i] + skip[i] * next[i]) % m);
                while (t[c] != null) {
                    next[i]++;
                    c = (int) ((offset[i] + skip[i] * next[i]) % m);
                }
                t[c] = in[i];
                next[i]++;
                count[i]++;
                filled++;
            }
        }
        this.table = t;
        long min = m;
        long max = 0;
        for (long c : count) {
            min = Math.min(min, c);
            max = Math.max(max, c);
        }
        this.minEntriesPerHost = n == 0 ? 0 : min;
        this.maxEntriesPerHost = max;
    }

    /** Envoy's {@code maglev_lb.min_entries_per_host}: the fewest table entries a host got. */
    public long minEntriesPerHost() {
        return minEntriesPerHost;
    }

    /** Envoy's {@code maglev_lb.max_entries_per_host}. */
    public long maxEntriesPerHost() {
        return maxEntriesPerHost;
    }

    @Override
    public Host chooseHost(long hash, int attempt) {
        if (attempt > 0) {
            // Retry host predicate: flip many bits for a different slot on each attempt.
            hash ^= ~0L - attempt + 1;
        }
        return table[(int) Long.remainderUnsigned(hash, table.length)];
    }
}
