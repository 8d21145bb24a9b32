package io.remora.upstream;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Envoy's LEAST_REQUEST when weights differ: each host weighs
 * {@code load_balancing_weight / (active_requests + 1)^active_request_bias} (bias 1.0 by default;
 * 0 makes it weighted round robin in expectation). Envoy feeds
 * those weights to its EDF scheduler; here a weighted random draw over the same dynamic weights
 * gives the same expected shares without shared mutable scheduler state. O(hosts) per pick.
 */
final class WeightedLeastRequestLoadBalancer implements LoadBalancer {
    private final Host[] hosts;
    private final double bias;

    WeightedLeastRequestLoadBalancer(Host[] hosts) {
        this(hosts, 1.0);
    }

    WeightedLeastRequestLoadBalancer(Host[] hosts, double activeRequestBias) {
        this.hosts = hosts;
        this.bias = activeRequestBias;
    }

    private double effectiveWeight(Host h) {
        int active = h.activeRequests.get();
        double divisor = bias == 1.0 ? active + 1 : bias == 0 ? 1 : Math.pow(active + 1, bias);
        return Math.max(1, h.weight()) / divisor;
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
