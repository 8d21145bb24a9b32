package io.remora.upstream;

import java.util.concurrent.ThreadLocalRandom;

/** Plain rotation when every host weighs the same; one instance per worker. */
final class RoundRobinLoadBalancer implements LoadBalancer {
    private final Host[] hosts;
    // A random start, as Envoy seeds each worker's balancer, so that workers and proxies do not
    // all begin with host 0.
    private int next;

    RoundRobinLoadBalancer(Host[] hosts) {
        this.hosts = hosts;
        this.next = ThreadLocalRandom.current().nextInt(hosts.length);
    }

    @Override
    public Host pick() {
        int i = next;
        next = i + 1 == hosts.length ? 0 : i + 1;
        return hosts[i];
    }
}
