package io.remora.upstream;

import io.remora.config.ClusterConfig.LbPolicy;
import io.remora.config.LoadBalancingConfig;

/**
 * Picks one host out of a fixed, non-empty host array. An instance belongs to one worker (as
 * Envoy's thread-local load balancers do): it keeps its own rotation or scheduler position
 * without atomics and is only ever called on that worker's thread. What can be shared (the
 * weighted schedule, the slow-start window) lives in the {@link Factory}, built once per
 * host-set change.
 */
interface LoadBalancer {

    Host pick();

    /** The shared, immutable part of a balancer: gives each worker its own instance. */
    @FunctionalInterface
    interface Factory {
        LoadBalancer newInstance();
    }

    /** Envoy's default {@code choice_count} of LEAST_REQUEST. */
    int DEFAULT_CHOICE_COUNT = 2;

    static Factory factory(LbPolicy policy, Host[] hosts, int choiceCount) {
        return factory(policy, hosts, choiceCount, LoadBalancingConfig.DEFAULT);
    }

    /**
     * The balancer of a non-hash policy (hash policies are {@link io.remora.upstream.lb.HashLoadBalancer}s;
     * CLUSTER_PROVIDED outside ORIGINAL_DST balances round robin).
     */
    static Factory factory(LbPolicy policy, Host[] hosts, int choiceCount, LoadBalancingConfig lb) {
        if (policy == LbPolicy.PICK_FIRST) {
            return PickFirstLoadBalancer.factory(hosts, lb.shuffleAddressList());
        }
        if (hosts.length == 1) {
            Host only = hosts[0];
            LoadBalancer single = () -> only;
            return () -> single;
        }
        Factory base = switch (policy) {
            case LEAST_REQUEST -> {
                // Stateless but for the hosts' active request counts, which are cluster-wide as
                // Envoy's rq_active is: one instance serves every worker.
                LoadBalancer lr = allWeightsEqual(hosts)
                        ? new LeastRequestLoadBalancer(hosts, choiceCount > 0 ? choiceCount : DEFAULT_CHOICE_COUNT,
                                lb.leastRequestFullScan())
                        : new WeightedLeastRequestLoadBalancer(hosts, lb.activeRequestBias());
                yield () -> lr;
            }
            case RANDOM -> {
                LoadBalancer random = new RandomLoadBalancer(hosts);
                yield () -> random;
            }
            default -> allWeightsEqual(hosts) ? () -> new RoundRobinLoadBalancer(hosts)
                    : WeightedRoundRobinLoadBalancer.factory(hosts);
        };
        if (lb.slowStart() != null && (policy == LbPolicy.ROUND_ROBIN || policy == LbPolicy.LEAST_REQUEST)) {
            return SlowStartLoadBalancer.wrap(hosts, lb.slowStart(), base,
                    policy == LbPolicy.LEAST_REQUEST ? lb.activeRequestBias() : 0);
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
