package io.remora.upstream;

import io.remora.config.ClusterConfig;
import io.remora.config.HealthCheckConfig;
import io.remora.config.LoadBalancingConfig;
import io.remora.stats.StatsRegistry;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Envoy's rule for a host EDS stops listing in an actively health-checked cluster: it stays,
 * flagged pending_dynamic_removal and still picked, while its TCP checks pass against a real
 * socket, and leaves once one fails; with ignore_health_on_host_removal it leaves at once.
 */
class HostRemovalTest {

    private static HealthCheckConfig tcpCheck() {
        Duration d = Duration.ofMillis(50);
        return HealthCheckConfig.builder(Duration.ofSeconds(2), d, new HealthCheckConfig.Tcp("", List.of()))
                .noTrafficInterval(d).build();
    }

    private static ClusterConfig eds(boolean ignoreHealth, int... ports) {
        io.remora.config.ClusterLoadAssignment.LbEndpoint[] eps = new io.remora.config.ClusterLoadAssignment.LbEndpoint[ports.length];
        for (int i = 0; i < ports.length; i++) {
            eps[i] = TestClusters.ep("127.0.0.1", ports[i]);
        }
        return TestClusters.cluster("svc", ClusterConfig.DiscoveryType.EDS, ClusterConfig.LbPolicy.ROUND_ROBIN,
                        TestClusters.cla("svc", eps))
                .withResilience(null, List.of(tcpCheck()), LoadBalancingConfig.DEFAULT).toBuilder()
                .ignoreHealthOnHostRemoval(ignoreHealth).build();
    }

    private static void await(String what, BooleanSupplier cond) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!cond.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "not within 30 s: " + what);
            Thread.sleep(10);
        }
    }

    private static Host host(Cluster c, int port) {
        for (Host h : c.hosts()) {
            if (((InetSocketAddress) h.address()).getPort() == port) {
                return h;
            }
        }
        return null;
    }

    @Test
    void aHealthyRemovedHostStaysUntilItFailsItsCheck() throws Exception {
        InetAddress lo = InetAddress.getLoopbackAddress();
        try (ServerSocket a = new ServerSocket(0, 50, lo); ServerSocket b = new ServerSocket(0, 50, lo);
             ClusterManagerImpl cm = new ClusterManagerImpl(new StatsRegistry())) {
            cm.update(Map.of("svc", eds(false, a.getLocalPort(), b.getLocalPort())));
            Cluster c = cm.get("svc");
            await("both healthy", () -> c.hosts().stream().allMatch(Host::isHealthy));

            cm.update(Map.of("svc", eds(false, a.getLocalPort())));
            Host kept = host(c, b.getLocalPort());
            assertTrue(kept != null && kept.healthFlagGet(HealthFlag.PENDING_DYNAMIC_REMOVAL),
                    "still passing its checks: kept, pending removal");
            assertEquals(2, c.hosts().size());
            boolean picked = false;
            for (int i = 0; i < 10 && !picked; i++) {
                picked = c.chooseHost(LoadBalancerContext.NONE) == kept;
            }
            assertTrue(picked, "a pending host still takes traffic");

            b.close();
            await("the removed host leaves once its check fails", () -> host(c, b.getLocalPort()) == null);
            assertEquals(1, c.hosts().size());
        }
    }

    @Test
    void ignoreHealthOnHostRemovalDropsItAtOnce() throws Exception {
        InetAddress lo = InetAddress.getLoopbackAddress();
        try (ServerSocket a = new ServerSocket(0, 50, lo); ServerSocket b = new ServerSocket(0, 50, lo);
             ClusterManagerImpl cm = new ClusterManagerImpl(new StatsRegistry())) {
            cm.update(Map.of("svc", eds(true, a.getLocalPort(), b.getLocalPort())));
            Cluster c = cm.get("svc");
            await("both healthy", () -> c.hosts().stream().allMatch(Host::isHealthy));
            cm.update(Map.of("svc", eds(true, a.getLocalPort())));
            assertEquals(1, c.hosts().size());
            assertEquals(null, host(c, b.getLocalPort()));
        }
    }
}
