package io.remora.upstream;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.config.ClusterConfig.LbPolicy;
import io.remora.stats.ClusterStats;
import io.remora.upstream.lb.HashLoadBalancer;
import io.remora.upstream.lb.MaglevLoadBalancer;
import io.remora.upstream.lb.RingHashLoadBalancer;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Envoy's gauges of a consistent-hash cluster's table: {@code ring_hash_lb.size},
 * {@code ring_hash_lb.min_hashes_per_host}, {@code ring_hash_lb.max_hashes_per_host} or
 * {@code maglev_lb.min_entries_per_host}, {@code maglev_lb.max_entries_per_host}. Made when the
 * cluster first balances by that policy (at 0 while it has no host) and set by each table built,
 * the last priority's winning as in Envoy, where every priority's table sets the same gauges.
 */
final class HashTableStats {
    private final MeterRegistry registry;
    private final String cluster;
    private AtomicLong ringSize;
    private AtomicLong minHashes;
    private AtomicLong maxHashes;
    private AtomicLong minEntries;
    private AtomicLong maxEntries;

    HashTableStats(MeterRegistry registry, String cluster) {
        this.registry = registry;
        this.cluster = cluster;
    }

    /** @param table the table the rebuilt host set balances by last; null when it built none */
    synchronized void published(LbPolicy policy, HashLoadBalancer table) {
        if (registry == null) {
            return;
        }
        if (policy == LbPolicy.RING_HASH && ringSize == null) {
            ringSize = gauge("ring_hash_lb_size");
            minHashes = gauge("ring_hash_lb_min_hashes_per_host");
            maxHashes = gauge("ring_hash_lb_max_hashes_per_host");
        } else if (policy == LbPolicy.MAGLEV && minEntries == null) {
            minEntries = gauge("maglev_lb_min_entries_per_host");
            maxEntries = gauge("maglev_lb_max_entries_per_host");
        }
        if (table instanceof RingHashLoadBalancer ring && ringSize != null) {
            ringSize.set(ring.configuredSize());
            minHashes.set(ring.minHashesPerHost());
            maxHashes.set(ring.maxHashesPerHost());
        } else if (table instanceof MaglevLoadBalancer maglev && minEntries != null) {
            minEntries.set(maglev.minEntriesPerHost());
            maxEntries.set(maglev.maxEntriesPerHost());
        }
    }

    private AtomicLong gauge(String stat) {
        AtomicLong value = new AtomicLong();
        Gauge.builder("envoy_cluster_" + stat, value, AtomicLong::get).tag(ClusterStats.TAG, cluster)
                .register(registry);
        return value;
    }
}
