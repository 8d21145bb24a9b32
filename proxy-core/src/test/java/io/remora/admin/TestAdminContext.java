package io.remora.admin;

import io.remora.config.Address;
import io.remora.config.ClusterConfig;
import io.remora.config.ClusterLoadAssignment.HealthStatus;
import io.remora.config.ClusterLoadAssignment.Locality;
import io.remora.config.NodeInfo;
import io.remora.stats.ClusterStats;
import io.remora.stats.StatsRegistry;
import io.remora.upstream.Cluster;
import io.remora.upstream.ClusterManager;
import io.remora.upstream.Host;
import io.remora.upstream.LoadBalancerContext;
import io.remora.upstream.ResourceLimits;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/** An AdminContext over fixed clusters and listeners, as the server would provide it. */
final class TestAdminContext implements AdminContext {

    final StatsRegistry stats = new StatsRegistry();
    final ServerState state = new ServerState(stats.server());
    final CountDownLatch quit = new CountDownLatch(1);
    final Map<String, Cluster> clusters = new LinkedHashMap<>();
    volatile int reopened;

    TestAdminContext() {
        Host a = new Host(new Address.Tcp("10.0.0.1", 8080), new InetSocketAddress("10.0.0.1", 8080), "pod-a",
                new Locality("us-east1", "us-east1-b", ""), 1, HealthStatus.HEALTHY);
        a.activeConnections.set(3);
        a.activeRequests.set(2);
        Host b = new Host(new Address.Tcp("10.0.0.2", 8080), new InetSocketAddress("10.0.0.2", 8080), null,
                Locality.NONE, 5, HealthStatus.UNHEALTHY);
        a.stats.rqTotal.add(7);
        Host c = new Host(new Address.Tcp("10.0.0.3", 8080), new InetSocketAddress("10.0.0.3", 8080), "",
                Locality.NONE, 1, HealthStatus.UNKNOWN);
        Host d = new Host(new Address.Tcp("10.0.0.4", 8080), new InetSocketAddress("10.0.0.4", 8080), "",
                Locality.NONE, 1, HealthStatus.TIMEOUT);
        clusters.put("outbound|8080||reviews.default.svc.cluster.local",
                cluster("outbound|8080||reviews.default.svc.cluster.local", List.of(a, b, c, d),
                        new ClusterConfig.CircuitBreakers(100, 200, 300, 4), "reviews-svc"));
        clusters.put("blackhole", cluster("blackhole", List.of(), ClusterConfig.CircuitBreakers.DEFAULT, null));
        ClusterStats cs = stats.cluster("outbound|8080||reviews.default.svc.cluster.local");
        cs.upstreamRqTotal.increment(5);
        cs.response(200);
        cs.upstreamRqTime.record(12);
        stats.http("inbound_0.0.0.0_9080").downstreamRqTotal.increment(2);
        stats.listener("0.0.0.0_15006").downstreamCxTotal.increment();
    }

    private Cluster cluster(String name, List<Host> hosts, ClusterConfig.CircuitBreakers cb, String edsServiceName) {
        ClusterConfig config = ClusterConfig.builder(name).connectTimeout(Duration.ofSeconds(1)).circuitBreakers(cb)
                .edsServiceName(edsServiceName).build();
        ClusterStats cs = stats.cluster(name);
        ResourceLimits limits = new ResourceLimits(cb);
        return new Cluster() {
            public String name() {
                return name;
            }

            public ClusterConfig config() {
                return config;
            }

            public ClusterStats stats() {
                return cs;
            }

            public List<Host> hosts() {
                return hosts;
            }

            public Host chooseHost(LoadBalancerContext context) {
                return hosts.isEmpty() ? null : hosts.get(0);
            }

            public ResourceLimits limits() {
                return limits;
            }
        };
    }

    @Override
    public StatsRegistry stats() {
        return stats;
    }

    @Override
    public ServerState serverState() {
        return state;
    }

    @Override
    public ClusterManager clusterManager() {
        return new ClusterManager() {
            public Cluster get(String name) {
                return clusters.get(name);
            }

            public Collection<Cluster> all() {
                return clusters.values();
            }
        };
    }

    @Override
    public List<ListenerStatus> listeners() {
        return List.of(new ListenerStatus("virtualInbound", new Address.Tcp("0.0.0.0", 15006)),
                new ListenerStatus("[::]_15001", new Address.Tcp("::", 15001)));
    }

    @Override
    public NodeInfo node() {
        return new NodeInfo("sidecar~10.0.0.9~reviews-v1.default~default.svc.cluster.local", "reviews.default",
                Map.of("ISTIO_VERSION", "1.24.0"), "us-east1", "", "");
    }

    @Override
    public String version() {
        return "remora/0.1.0-SNAPSHOT/RELEASE";
    }

    @Override
    public Map<String, Object> commandLineOptions() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("concurrency", 2);
        m.put("log_level", "info");
        m.put("config_path", "/etc/istio/proxy/envoy-rev.json");
        m.put("drain_time", Duration.ofSeconds(45));
        return m;
    }

    @Override
    public String configDump() {
        return "{\"configs\":[{\"@type\":\"type.googleapis.com/envoy.admin.v3.BootstrapConfigDump\"}]}";
    }

    @Override
    public void quit() {
        quit.countDown();
    }

    @Override
    public void reopenLogs() {
        reopened++;
    }
}
