package io.remora.upstream;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Envoy's LEAST_REQUEST with equal weights: draw {@code choice_count} hosts at random and take
 * the one with the fewest active requests ("power of two choices" by default); with
 * {@code selection_method: FULL_SCAN}, compare every host instead, a tie going to each of the
 * tied hosts with equal chance (reservoir sampling, as Envoy's unweightedHostPickFullScan).
 */
final class LeastRequestLoadBalancer implements LoadBalancer {
    private final Host[] hosts;
    private final int choiceCount;
    private final boolean fullScan;

    LeastRequestLoadBalancer(Host[] hosts, int choiceCount) {
        this(hosts, choiceCount, false);
    }

    LeastRequestLoadBalancer(Host[] hosts, int choiceCount, boolean fullScan) {
        this.hosts = hosts;
        this.choiceCount = choiceCount;
        this.fullScan = fullScan;
    }

    @Override
    public Host pick() {
        return fullScan ? scan() : nChoices();
    }

    private Host nChoices() {
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

    private Host scan() {
        Host best = hosts[0];
        int bestActive = best.activeRequests.get();
        int tied = 1;
        for (int i = 1; i < hosts.length; i++) {
            Host h = hosts[i];
            int active = h.activeRequests.get();
            if (active < bestActive) {
                best = h;
                bestActive = active;
                tied = 1;
            } else if (active == bestActive && ThreadLocalRandom.current().nextInt(++tied) == 0) {
                best = h;
            }
        }
        return best;
    }
}
