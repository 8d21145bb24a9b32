package io.remora.upstream;

import io.remora.config.ClusterConfig.LbPolicy;

/**
 * Picks one host out of a fixed, non-empty host array. Built once per host-set change (control
 * thread) and then shared by all workers; a pick is lock-free.
 */
interface LoadBalancer {

    Host pick();

    /** Envoy's default {@code choice_count} of LEAST_REQUEST. */
    int DEFAULT_CHOICE_COUNT = 2;

    static LoadBalancer create(LbPolicy policy, Host[] hosts, int choiceCount) {
        if (hosts.length == 1) {
            Host only = hosts[0];
            return () -> only;
        }
        return switch (policy) {
            case LEAST_REQUEST -> allWeightsEqual(hosts)
                    ? new LeastRequestLoadBalancer(hosts, choiceCount > 0 ? choiceCount : DEFAULT_CHOICE_COUNT)
                    : new WeightedLeastRequestLoadBalancer(hosts);
            case RANDOM -> new RandomLoadBalancer(hosts);
            // RING_HASH/MAGLEV/CLUSTER_PROVIDED are not implemented; round robin keeps traffic
            // flowing (the translator warns about them).
            default -> allWeightsEqual(hosts) ? new RoundRobinLoadBalancer(hosts)
                    : WeightedRoundRobinLoadBalancer.of(hosts);
        };
    }

    static boolean allWeightsEqual(Host[] hosts) {
        int w = hosts[0].weight();
        for (Host h : hosts) {
            if (h.weight() != w) {
                return false;
            }
        }
        return true;
    }
}
