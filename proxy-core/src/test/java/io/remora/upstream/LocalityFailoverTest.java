package io.remora.upstream;

import io.remora.config.Address;
import io.remora.config.ClusterConfig;
import io.remora.config.ClusterLoadAssignment;
import io.remora.config.ClusterLoadAssignment.HealthStatus;
import io.remora.config.ClusterLoadAssignment.LbEndpoint;
import io.remora.config.ClusterLoadAssignment.Locality;
import io.remora.config.ClusterLoadAssignment.LocalityLbEndpoints;
import io.remora.config.HealthCheckConfig;
import io.remora.config.LoadBalancingConfig;
import io.remora.stats.StatsRegistry;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Istio's locality failover shape: the local zone's endpoints at priority 0, the other zone's at
 * priority 1. Active TCP health checks against real sockets move all traffic to priority 1 when
 * the local zone's endpoints stop listening, and back when they listen again.
 */
class LocalityFailoverTest {
    private static final Locality LOCAL = new Locality("r1", "z1", "");
    private static final Locality REMOTE = new Locality("r1", "z2", "");

    private static HealthCheckConfig tcpCheck() {
        Duration d = Duration.ofMillis(100);
        return HealthCheckConfig.builder(Duration.ofSeconds(2), d, new HealthCheckConfig.Tcp("", List.of()))
                .noTrafficInterval(d).build();
    }

    private static LbEndpoint ep(int port) {
        return new LbEndpoint(new Address.Tcp("127.0.0.1", port), 1, HealthStatus.HEALTHY, null);
    }

    private static void await(String what, BooleanSupplier cond) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!cond.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "not within 30 s: " + what);
            Thread.sleep(20);
        }
    }

    private static Map<Locality, Integer> picks(Cluster c, int n) {
        Map<Locality, Integer> out = new HashMap<>();
        for (int i = 0; i < n; i++) {
            Host h = c.chooseHost(LoadBalancerContext.NONE);
            out.merge(h == null ? Locality.NONE : h.locality(), 1, Integer::sum);
        }
        return out;
    }

    @Test
    void failsOverToTheOtherZoneWhenLocalEndpointsFailHealthChecksAndFailsBack() throws Exception {
        try (ServerSocket remote = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
             ServerSocket local1 = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
             ClusterManagerImpl cm = new ClusterManagerImpl(new StatsRegistry())) {
            int local2Port;
            try (ServerSocket probe = new ServerSocket(0)) {
                local2Port = probe.getLocalPort();
            }
            ClusterLoadAssignment cla = new ClusterLoadAssignment("svc", List.of(
                    new LocalityLbEndpoints(LOCAL, 1, 0, List.of(ep(local1.getLocalPort()), ep(local2Port))),
                    new LocalityLbEndpoints(REMOTE, 1, 1, List.of(ep(remote.getLocalPort())))), 140);
            ClusterConfig c = TestClusters.cluster("svc", ClusterConfig.DiscoveryType.STATIC,
                    ClusterConfig.LbPolicy.ROUND_ROBIN, cla).withResilience(null, List.of(tcpCheck()),
                    LoadBalancingConfig.DEFAULT);
            cm.update(Map.of("svc", c));
            Cluster cluster = cm.get("svc");
            // One of two local endpoints is down: P0 health is min(100, 1.4 * 1/2) = 70%, so 30%
            // of the load fails over to the other zone.
            await("local1 healthy, local2 failed", () -> cluster.hosts().stream()
                    .filter(h -> h.locality().equals(LOCAL)).filter(Host::isHealthy).count() == 1
                    && cluster.hosts().stream().filter(h -> h.locality().equals(REMOTE)).allMatch(Host::isHealthy));
            // The flags are set just before the cluster regroups its hosts: judge by the picks.
            await("about 30% to the remote zone", () -> {
                int remoteShare = picks(cluster, 10_000).getOrDefault(REMOTE, 0);
                return remoteShare > 2_500 && remoteShare < 3_500;
            });

            local1.close();
            await("every local endpoint failed", () -> cluster.hosts().stream()
                    .filter(h -> h.locality().equals(LOCAL)).noneMatch(Host::isHealthy));
            await("all traffic fails over to the other zone", () -> picks(cluster, 1000).equals(Map.of(REMOTE, 1000)));

            try (ServerSocket back = new ServerSocket()) {
                back.bind(new InetSocketAddress("127.0.0.1", local2Port));
                await("local2 healthy again", () -> cluster.hosts().stream()
                        .filter(h -> h.locality().equals(LOCAL)).anyMatch(Host::isHealthy));
                await("traffic returns to the local zone", () -> picks(cluster, 10_000).getOrDefault(LOCAL, 0) > 6_500);
            }
        }
    }

    @Test
    void localityWeightsSplitTrafficAsIstioDistributeAsks() {
        ClusterLoadAssignment cla = new ClusterLoadAssignment("w", List.of(
                new LocalityLbEndpoints(LOCAL, 80, 0, List.of(ep(1), ep(2))),
                new LocalityLbEndpoints(REMOTE, 20, 0, List.of(ep(3)))), 140);
        ClusterConfig c = TestClusters.cluster("w", ClusterConfig.DiscoveryType.STATIC,
                ClusterConfig.LbPolicy.ROUND_ROBIN, cla).withResilience(null, List.of(),
                new LoadBalancingConfig(50, true, null, LoadBalancingConfig.RingHash.DEFAULT,
                        LoadBalancingConfig.Maglev.DEFAULT, 1.0, null));
        try (ClusterManagerImpl cm = new ClusterManagerImpl(new StatsRegistry())) {
            cm.update(Map.of("w", c));
            Map<Locality, Integer> p = picks(cm.get("w"), 20_000);
            int remote = p.getOrDefault(REMOTE, 0);
            assertTrue(remote > 3_400 && remote < 4_600, "20% to the weight-20 locality: " + p);
        }
    }

    /**
     * Envoy's EdsIntegrationTest.LocalityUpdateActiveHealthStatusReuse: an endpoint service discovery
     * moves to another locality keeps its health, and is balanced in its new locality.
     */
    @Test
    void anEndpointMovedToAnotherLocalityIsBalancedThereAndKeepsItsHealth() {
        ClusterConfig before = TestClusters.cluster("move", ClusterConfig.DiscoveryType.STATIC,
                ClusterConfig.LbPolicy.ROUND_ROBIN, new ClusterLoadAssignment("move", List.of(
                        new LocalityLbEndpoints(LOCAL, 80, 0, List.of(ep(1), ep(2))),
                        new LocalityLbEndpoints(REMOTE, 20, 0, List.of(ep(3)))), 140))
                .withResilience(null, List.of(), new LoadBalancingConfig(50, true, null,
                        LoadBalancingConfig.RingHash.DEFAULT, LoadBalancingConfig.Maglev.DEFAULT, 1.0, null));
        ClusterConfig after = before.withLoadAssignment(new ClusterLoadAssignment("move", List.of(
                new LocalityLbEndpoints(LOCAL, 80, 0, List.of(ep(1))),
                new LocalityLbEndpoints(REMOTE, 20, 0, List.of(ep(2), ep(3)))), 140));
        try (ClusterManagerImpl cm = new ClusterManagerImpl(new StatsRegistry())) {
            cm.update(Map.of("move", before));
            Host moved = cm.get("move").hosts().get(1);
            cm.update(Map.of("move", after));
            Host now = cm.get("move").hosts().stream().filter(h -> h.address().equals(moved.address())).findFirst().orElseThrow();
            assertSame(moved, now, "the same host, its health kept");
            assertEquals(REMOTE, now.locality());
            Map<Locality, Integer> p = picks(cm.get("move"), 20_000);
            int local = p.getOrDefault(LOCAL, 0);
            assertTrue(local > 15_000 && local < 17_000, "80% to the locality of one host now: " + p);
        }
    }
}
