package io.remora.upstream;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The typed {@code pick_first} policy (gRPC's PICK_FIRST): every pick is the first of the hosts,
 * which are the level's healthy ones in the endpoints' order, so traffic moves to the next host
 * only while the first is unhealthy. With {@code shuffle_address_list} "first" is by a random
 * order drawn once per process: stable across host-set rebuilds (a health change must not move
 * traffic between the healthy hosts), different between proxies, which is what the shuffle is for.
 */
final class PickFirstLoadBalancer {
    /** Mixed into each address's hash to make this process's order. */
    private static final long SALT = ThreadLocalRandom.current().nextLong();

    private PickFirstLoadBalancer() {
    }

    static LoadBalancer.Factory factory(Host[] hosts, boolean shuffle) {
        Host first = hosts[0];
        if (shuffle) {
            // Ranks compare unsigned: the first host's is the start (Long.MAX_VALUE would lose every
            // rank at or past 2^63, which is half of them).
            long best = rank(first);
            for (Host h : hosts) {
                long rank = rank(h);
                if (Long.compareUnsigned(rank, best) < 0) {
                    best = rank;
                    first = h;
                }
            }
        }
        Host chosen = first;
        LoadBalancer pick = () -> chosen;
        return () -> pick;
    }

    /** SplitMix64 of the salted address hash: a uniform, per-process order of addresses. */
    static long rank(Host h) {
        long z = SALT + 0x9E3779B97F4A7C15L * (h.address().hashCode() + 1L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
