package io.remora.upstream;

import java.util.concurrent.ThreadLocalRandom;

/** Envoy's RANDOM: a uniformly random host, weights ignored. */
final class RandomLoadBalancer implements LoadBalancer {
    private final Host[] hosts;

    RandomLoadBalancer(Host[] hosts) {
        this.hosts = hosts;
    }

    @Override
    public Host pick() {
        return hosts[ThreadLocalRandom.current().nextInt(hosts.length)];
    }
}
