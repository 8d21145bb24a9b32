package io.remora.upstream;

import io.remora.config.Address;
import io.remora.config.ClusterLoadAssignment.HealthStatus;
import io.remora.config.ClusterLoadAssignment.Locality;

import java.net.SocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One upstream endpoint of a cluster. Shared by all workers; the counters are atomics because
 * LEAST_REQUEST and circuit breaking read them across workers, as Envoy's host stats are.
 * Identity is by object: a host that survives an endpoint update keeps its object, so pooled
 * connections to it survive too.
 */
public final class Host {
    private final Address configured;
    private final SocketAddress address;
    private final String hostname;
    private final Locality locality;
    private volatile int weight;
    private volatile HealthStatus health;
    public final AtomicInteger activeRequests = new AtomicInteger();
    public final AtomicInteger activeConnections = new AtomicInteger();
    /** Envoy's per-host counters, for {@code /clusters}. */
    public final HostStats stats = new HostStats();

    public Host(Address configured, SocketAddress address, String hostname, Locality locality,
                int weight, HealthStatus health) {
        this.configured = configured;
        this.address = address;
        this.hostname = hostname;
        this.locality = locality;
        this.weight = weight;
        this.health = health;
    }

    /** The address as configured (may be a DNS name for DNS clusters). */
    public Address configuredAddress() {
        return configured;
    }

    /** The resolved address to connect to. */
    public SocketAddress address() {
        return address;
    }

    /** The endpoint's hostname (for auto_host_rewrite), or the DNS name it came from; may be null. */
    public String hostname() {
        return hostname;
    }

    public Locality locality() {
        return locality;
    }

    public int weight() {
        return weight;
    }

    public void weight(int w) {
        this.weight = w;
    }

    public HealthStatus health() {
        return health;
    }

    public void health(HealthStatus h) {
        this.health = h;
    }

    /** UNKNOWN and HEALTHY (and DEGRADED) take traffic, as in Envoy's EDS health semantics. */
    public boolean isHealthy() {
        HealthStatus h = health;
        return h == HealthStatus.UNKNOWN || h == HealthStatus.HEALTHY || h == HealthStatus.DEGRADED;
    }

    @Override
    public String toString() {
        return address.toString();
    }
}
