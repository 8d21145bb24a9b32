package io.remora.upstream;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Envoy's LEAST_REQUEST with equal weights: draw {@code choice_count} hosts at random and take
 * the one with the fewest active requests ("power of two choices" by default).
 */
final class LeastRequestLoadBalancer implements LoadBalancer {
    private final Host[] hosts;
    private final int choiceCount;

    LeastRequestLoadBalancer(Host[] hosts, int choiceCount) {
        this.hosts = hosts;
        this.choiceCount = choiceCount;
    }

    @Override
    public Host pick() {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        Host best = hosts[rnd.nextInt(hosts.length)];
        int bestActive = best.activeRequests.get();
        for (int i = 1; i < choiceCount; i++) {
            Host h = hosts[rnd.nextInt(hosts.length)];
            int active = h.activeRequests.get();
            if (active < bestActive) {
                best = h;
                bestActive = active;
            }
        }
        return best;
    }
}
