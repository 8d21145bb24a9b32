package io.remora.upstream;

import io.remora.config.LoadBalancingConfig;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Envoy's {@code slow_start_config}: a host newer than the window takes a share of its weight
 * that grows as {@code max(min_weight_percent, (age / window)^(1 / aggression))}, its age counted
 * from when it joined or, under active health checking, from when it last came back healthy. Under
 * least request that weight is still divided by {@code (active requests + 1)^active_request_bias},
 * as Envoy's EDF weighs every host while any ramps, equal weights or not. While any host
 * is ramping, picks are weighted random over those scaled weights; afterwards the policy's own
 * balancer answers at no extra cost.
 */
final class SlowStartLoadBalancer implements LoadBalancer {
    private final Host[] hosts;
    private final LoadBalancingConfig.SlowStart config;
    private final LoadBalancer steady;
    private final long windowNanos;
    /** Least request's active_request_bias, which still divides a ramping host's weight; 0 for round robin. */
    private final double activeRequestBias;
    /** After this instant no host is in its window. */
    private final long rampEndNanos;

    private SlowStartLoadBalancer(Host[] hosts, LoadBalancingConfig.SlowStart config, LoadBalancer steady,
                                  long rampEndNanos, double activeRequestBias) {
        this.hosts = hosts;
        this.activeRequestBias = activeRequestBias;
        this.config = config;
        this.steady = steady;
        this.windowNanos = config.window().toNanos();
        this.rampEndNanos = rampEndNanos;
    }

    /**
     * The steady factory itself when no host is in its window any more.
     *
     * @param activeRequestBias least request's bias (Envoy's hostWeight divides by (active + 1)^bias
     *                          while hosts ramp too); 0 for round robin
     */
    static LoadBalancer.Factory wrap(Host[] hosts, LoadBalancingConfig.SlowStart config, LoadBalancer.Factory steady,
                                     double activeRequestBias) {
        long newest = Long.MIN_VALUE;
        for (Host h : hosts) {
            newest = Math.max(newest, h.slowStartSinceNanos());
        }
        long end = newest + config.window().toNanos();
        if (end - System.nanoTime() <= 0) {
            return steady;
        }
        return () -> new SlowStartLoadBalancer(hosts, config, steady.newInstance(), end, activeRequestBias);
    }

    /** The fraction of its weight a host of this age takes. */
    double factor(long ageNanos) {
        if (ageNanos >= windowNanos) {
            return 1.0;
        }
        double time = Math.max(ageNanos, 1) / (double) windowNanos;
        double f = Math.pow(time, 1.0 / config.aggression());
        return Math.max(config.minWeightPercent() / 100.0, f);
    }

    @Override
    public Host pick() {
        long now = System.nanoTime();
        if (now - rampEndNanos >= 0) {
            return steady.pick();
        }
        double total = 0;
        double[] w = new double[hosts.length];
        for (int i = 0; i < hosts.length; i++) {
            w[i] = Math.max(1, hosts[i].weight()) * factor(now - hosts[i].slowStartSinceNanos());
            if (activeRequestBias != 0) {
                int active = hosts[i].activeRequests.get();
                w[i] /= activeRequestBias == 1.0 ? active + 1 : Math.pow(active + 1, activeRequestBias);
            }
            total += w[i];
        }
        double r = ThreadLocalRandom.current().nextDouble() * total;
        for (int i = 0; i < hosts.length; i++) {
            r -= w[i];
            if (r < 0) {
                return hosts[i];
            }
        }
        return hosts[hosts.length - 1];
    }
}
