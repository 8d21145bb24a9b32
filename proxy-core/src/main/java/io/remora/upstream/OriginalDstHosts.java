package io.remora.upstream;

import io.remora.config.Address;
import io.remora.config.ClusterConfig;
import io.remora.config.ClusterLoadAssignment;
import io.remora.config.ClusterLoadAssignment.HealthStatus;
import io.remora.stats.ClusterStats;

import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The hosts of an ORIGINAL_DST cluster: one per destination a request names (a filter-state
 * destination, else {@code x-envoy-original-dst-host}, else the connection's original
 * destination), made on first use and dropped once idle for a whole cleanup interval.
 */
final class OriginalDstHosts {
    private final Supplier<ClusterConfig> config;
    private final ClusterStats stats;
    private final ConcurrentHashMap<InetSocketAddress, Host> hosts = new ConcurrentHashMap<>();
    private Set<InetSocketAddress> idleAtLastSweep = Set.of();

    OriginalDstHosts(Supplier<ClusterConfig> config, ClusterStats stats) {
        this.config = config;
        this.stats = stats;
    }

    List<Host> hosts() {
        return List.copyOf(hosts.values());
    }

    /** The host of the request's original destination, made on first use; null when there is none. */
    Host host(LoadBalancerContext context) {
        if (context == null) {
            return null;
        }
        ClusterConfig.OriginalDstLb lb = config.get().originalDstLb();
        // A filter-state destination goes first (Envoy's filterStateOverrideHost), then the header.
        InetSocketAddress dst = context.destinationOverride();
        if (dst == null) {
            CharSequence header = lb != null && lb.httpHeaderName() != null
                    ? context.downstreamHeader(lb.httpHeaderName()) : null;
            if (header != null) {
                // Envoy: a header that is there but not an IP:port leaves no host (503), it does
                // not fall back to the connection's destination.
                dst = io.remora.util.IpPort.parse(header.toString());
                if (dst == null) {
                    stats.originalDstHostInvalid.increment();
                    return null;
                }
            } else {
                dst = context.originalDestination();
            }
        }
        if (dst == null) {
            return null;
        }
        if (lb != null && lb.upstreamPortOverride() > 0) {
            dst = new InetSocketAddress(dst.getAddress(), lb.upstreamPortOverride());
        }
        Host h = hosts.get(dst);
        if (h == null) {
            h = hosts.computeIfAbsent(dst, d -> new Host(
                    new Address.Tcp(d.getAddress().getHostAddress(), d.getPort()), d, null,
                    ClusterLoadAssignment.Locality.NONE, 1, HealthStatus.HEALTHY));
            stats.membershipTotal.set(hosts.size());
            stats.membershipHealthy.set(hosts.size());
        }
        return h;
    }

    /**
     * Drops ORIGINAL_DST hosts idle since the previous sweep (Envoy's cleanup_interval); pools
     * keyed by a dropped host are recreated on next use.
     */
    synchronized void sweep() {
        Set<InetSocketAddress> idle = new HashSet<>();
        for (Map.Entry<InetSocketAddress, Host> e : hosts.entrySet()) {
            Host h = e.getValue();
            if (h.activeRequests.get() == 0 && h.activeConnections.get() == 0) {
                if (idleAtLastSweep.contains(e.getKey())) {
                    hosts.remove(e.getKey(), h);
                } else {
                    idle.add(e.getKey());
                }
            }
        }
        idleAtLastSweep = idle;
        stats.membershipTotal.set(hosts.size());
        stats.membershipHealthy.set(hosts.size());
    }
}
