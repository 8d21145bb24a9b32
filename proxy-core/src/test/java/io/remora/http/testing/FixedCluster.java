package io.remora.http.testing;

import io.remora.config.ClusterConfig;
import io.remora.stats.ClusterStats;
import io.remora.stats.StatsRegistry;
import io.remora.upstream.Cluster;
import io.remora.upstream.Host;
import io.remora.upstream.LoadBalancerContext;
import io.remora.upstream.ResourceLimits;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** Test-only cluster over fixed hosts, round robin, honouring the retry host predicate. */
public final class FixedCluster implements Cluster {
    private final ClusterConfig config;
    private final ClusterStats stats;
    private volatile List<Host> hosts;
    private final ResourceLimits limits;
    private final AtomicInteger rr = new AtomicInteger();
    private final io.remora.upstream.TransportSocketFactory transportSockets;

    private volatile String pickHeader;

    public FixedCluster(ClusterConfig config, StatsRegistry registry, List<Host> hosts) {
        this.config = config;
        this.stats = registry.cluster(config.name());
        this.hosts = hosts;
        this.limits = new ResourceLimits(config.circuitBreakers());
        this.transportSockets = config.transportSocket() == null ? io.remora.upstream.TransportSocketFactory.RAW
                : io.remora.tls.UpstreamTransportSockets.of(config.transportSocket(), new io.remora.tls.SecretManager(),
                io.remora.tls.TlsStats.cluster(registry.meterRegistry(), config.name()));
    }

    @Override
    public io.remora.upstream.TransportSocketFactory transportSocketFactory() {
        return transportSockets;
    }

    public static ClusterConfig config(String name, ClusterConfig.UpstreamProtocol protocol) {
        return config(name, protocol, ClusterConfig.CircuitBreakers.DEFAULT, 0);
    }

    public static ClusterConfig config(String name, ClusterConfig.UpstreamProtocol protocol,
                                       ClusterConfig.CircuitBreakers cb, int maxRequestsPerConnection) {
        return config(name, protocol, cb, maxRequestsPerConnection, Duration.ofHours(1));
    }

    public static ClusterConfig config(String name, ClusterConfig.UpstreamProtocol protocol,
                                       ClusterConfig.CircuitBreakers cb, int maxRequestsPerConnection,
                                       Duration idleTimeout) {
        return ClusterConfig.builder(name).connectTimeout(Duration.ofSeconds(2)).protocol(protocol).circuitBreakers(cb)
                .upstreamIdleTimeout(idleTimeout).maxRequestsPerConnection(maxRequestsPerConnection).build();
    }

    public static Host host(InetSocketAddress addr) {
        return new Host(new io.remora.config.Address.Tcp(addr.getHostString(), addr.getPort()), addr, null,
                io.remora.config.ClusterLoadAssignment.Locality.NONE, 1,
                io.remora.config.ClusterLoadAssignment.HealthStatus.HEALTHY);
    }

    public static List<Host> hosts(InetSocketAddress... addrs) {
        List<Host> l = new ArrayList<>();
        for (InetSocketAddress a : addrs) {
            l.add(host(a));
        }
        return l;
    }

    @Override
    public String name() {
        return config.name();
    }

    @Override
    public ClusterConfig config() {
        return config;
    }

    @Override
    public ClusterStats stats() {
        return stats;
    }

    @Override
    public List<Host> hosts() {
        return hosts;
    }

    /**
     * Picks the host whose address ("ip:port") the request's {@code header} names, as ORIGINAL_DST
     * with use_http_header does from what the router shows it; round robin without one.
     */
    public FixedCluster pickByHeader(String header) {
        this.pickHeader = header;
        return this;
    }

    @Override
    public Host chooseHost(LoadBalancerContext context) {
        if (hosts.isEmpty()) {
            return null;
        }
        CharSequence named = pickHeader == null ? null : context.downstreamHeader(pickHeader);
        if (named != null) {
            for (Host h : hosts) {
                java.net.InetSocketAddress a = (java.net.InetSocketAddress) h.address();
                if ((a.getHostString() + ":" + a.getPort()).contentEquals(named)) {
                    return h;
                }
            }
        }
        Host h = null;
        int tries = Math.max(0, context.hostSelectionRetryCount()) + 1;
        for (int i = 0; i < tries; i++) {
            h = hosts.get(Math.floorMod(rr.getAndIncrement(), hosts.size()));
            if (!context.shouldSelectAnotherHost(h)) {
                return h;
            }
        }
        return h;
    }

    /** An EDS-style update: a new host list object. */
    public void hosts(List<Host> next) {
        this.hosts = List.copyOf(next);
    }

    @Override
    public ResourceLimits limits() {
        return limits;
    }
}
