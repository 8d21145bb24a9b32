package io.remora.upstream;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/** Plain rotation when every host weighs the same. */
final class RoundRobinLoadBalancer implements LoadBalancer {
    private final Host[] hosts;
    // A random start, as Envoy does, so that many proxies do not all hit host 0 first.
    private final AtomicInteger next;

    RoundRobinLoadBalancer(Host[] hosts) {
        this.hosts = hosts;
        this.next = new AtomicInteger(ThreadLocalRandom.current().nextInt(hosts.length));
    }

    @Override
    public Host pick() {
        return hosts[Math.floorMod(next.getAndIncrement(), hosts.length)];
    }
}
