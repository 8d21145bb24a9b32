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
        return create(policy, hosts, choiceCount, io.remora.config.LoadBalancingConfig.DEFAULT);
    }

    /**
     * The balancer of a non-hash policy (hash policies are {@link io.remora.upstream.lb.HashLoadBalancer}s;
     * CLUSTER_PROVIDED outside ORIGINAL_DST balances round robin).
     */
    static LoadBalancer create(LbPolicy policy, Host[] hosts, int choiceCount, io.remora.config.LoadBalancingConfig lb) {
        if (hosts.length == 1) {
            Host only = hosts[0];
            return () -> only;
        }
        LoadBalancer base = switch (policy) {
            case LEAST_REQUEST -> allWeightsEqual(hosts)
                    ? new LeastRequestLoadBalancer(hosts, choiceCount > 0 ? choiceCount : DEFAULT_CHOICE_COUNT)
                    : new WeightedLeastRequestLoadBalancer(hosts, lb.activeRequestBias());
            case RANDOM -> new RandomLoadBalancer(hosts);
            default -> allWeightsEqual(hosts) ? new RoundRobinLoadBalancer(hosts)
                    : WeightedRoundRobinLoadBalancer.of(hosts);
        };
        if (lb.slowStart() != null && (policy == LbPolicy.ROUND_ROBIN || policy == LbPolicy.LEAST_REQUEST)) {
            return SlowStartLoadBalancer.wrap(hosts, lb.slowStart(), base);
        }
        return base;
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
