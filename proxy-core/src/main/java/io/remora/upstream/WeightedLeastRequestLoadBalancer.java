package io.remora.upstream;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Envoy's LEAST_REQUEST when weights differ: each host weighs
 * {@code load_balancing_weight / (active_requests + 1)} (active_request_bias 1.0). Envoy feeds
 * those weights to its EDF scheduler; here a weighted random draw over the same dynamic weights
 * gives the same expected shares without shared mutable scheduler state. O(hosts) per pick.
 */
final class WeightedLeastRequestLoadBalancer implements LoadBalancer {
    private final Host[] hosts;

    WeightedLeastRequestLoadBalancer(Host[] hosts) {
        this.hosts = hosts;
    }

    private static double effectiveWeight(Host h) {
        return Math.max(1, h.weight()) / (double) (h.activeRequests.get() + 1);
    }

    @Override
    public Host pick() {
        double total = 0;
        for (Host h : hosts) {
            total += effectiveWeight(h);
        }
        double r = ThreadLocalRandom.current().nextDouble() * total;
        for (Host h : hosts) {
            r -= effectiveWeight(h);
            if (r < 0) {
                return h;
            }
        }
        // Counters moved between the two passes; any host is a fine answer.
        return hosts[hosts.length - 1];
    }
}
