package io.remora.upstream.lb;

import io.remora.config.LoadBalancingConfig;
import io.remora.upstream.Host;

/**
 * Envoy's MAGLEV: a lookup table of a prime size (65537 by default) filled by each host's
 * permutation ({@code offset = xxHash64(key) % M}, {@code skip = xxHash64(key, seed 1) % (M-1) + 1}),
 * hosts taking turns in proportion to their weight. A key goes to {@code table[hash % M]}.
 */
public final class MaglevLoadBalancer implements HashLoadBalancer {
    private final Host[] table;

    public MaglevLoadBalancer(Host[] in, double[] weights, LoadBalancingConfig.Maglev config) {
        int m = (int) config.tableSize();
        int n = in.length;
        long[] offset = new long[n];
        long[] skip = new long[n];
        long[] next = new long[n];
        double[] weight = new double[n];
        double[] targetWeight = new double[n];
        double sum = 0;
        for (double w : weights) {
            sum += w;
        }
        double maxNormalized = 0;
        for (int i = 0; i < n; i++) {
            String key = RingHashLoadBalancer.hashKey(in[i], config.useHostnameForHashing());
            offset[i] = Long.remainderUnsigned(XxHash64.hash(key, 0), m);
            skip[i] = Long.remainderUnsigned(XxHash64.hash(key, 1), m - 1) + 1;
            weight[i] = weights[i] / sum;
            targetWeight[i] = weight[i];
            maxNormalized = Math.max(maxNormalized, weight[i]);
        }
        Host[] t = new Host[m];
        int filled = 0;
        for (long iteration = 1; filled < m; iteration++) {
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
                filled++;
            }
        }
        this.table = t;
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
