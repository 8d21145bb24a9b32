package io.remora.upstream.health;

import io.remora.config.Address;
import io.remora.config.ClusterConfig;
import io.remora.config.ClusterLoadAssignment;
import io.remora.config.HealthCheckConfig;
import io.remora.config.LoadBalancingConfig;
import io.remora.stats.StatsRegistry;
import io.remora.testing.TempPaths;
import io.remora.upstream.ClusterManagerImpl;
import io.remora.upstream.TestClusters;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.remora.upstream.health.HealthCheckerTest.await;
import static io.remora.upstream.health.HealthCheckerTest.only;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The event log's lines as Envoy's HealthCheckEventLoggerImpl writes them. */
class HealthCheckEventsTest {

    /**
     * An endpoint with metadata has it in each event (filter_metadata by namespace, names in
     * order, then the empty typed_filter_metadata), before the locality; one without has none.
     */
    @Test
    void eventsCarryTheEndpointsMetadata() throws Exception {
        Path log = TempPaths.file("hc-events", ".log");
        try (ServerSocket ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             ServerSocket plain = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             ClusterManagerImpl cm = new ClusterManagerImpl(new StatsRegistry())) {
            Duration d = Duration.ofMillis(50);
            HealthCheckConfig hc = HealthCheckConfig.builder(Duration.ofSeconds(3), d, new HealthCheckConfig.Tcp("", List.of()))
                    .thresholds(1, 1).noTrafficInterval(d).eventLogPath(log.toString()).build();
            ClusterLoadAssignment.LbEndpoint withMetadata = new ClusterLoadAssignment.LbEndpoint(
                    new Address.Tcp("127.0.0.1", ss.getLocalPort()), 1, ClusterLoadAssignment.HealthStatus.UNKNOWN, null,
                    null, Map.of("canary", true), Map.of("acme", Map.of("version", "v7", "b", 1.0)), null, null, null, null);
            ClusterConfig c = TestClusters.staticCluster("hc", ClusterConfig.LbPolicy.ROUND_ROBIN, withMetadata,
                            TestClusters.ep("127.0.0.1", plain.getLocalPort()))
                    .withResilience(null, List.of(hc), LoadBalancingConfig.DEFAULT);
            cm.update(Map.of("hc", c));
            await("both pass", () -> cm.get("hc").hosts().stream().allMatch(io.remora.upstream.Host::isHealthy)
                    && lines(log).size() >= 2);
            String tagged = line(log, ":" + ss.getLocalPort() + "}");
            assertTrue(tagged.contains(",\"metadata\":{\"filter_metadata\":{\"acme\":{\"b\":1,\"version\":\"v7\"},"
                    + "\"envoy.lb\":{\"canary\":true}},\"typed_filter_metadata\":{}},\"locality\":{"), tagged);
            assertFalse(line(log, ":" + plain.getLocalPort() + "}").contains("\"metadata\""), "none without metadata");
        }
    }

    private static List<String> lines(Path log) {
        try {
            return Files.readAllLines(log);
        } catch (java.io.IOException e) {
            return List.of();
        }
    }

    private static String line(Path log, String port) {
        return lines(log).stream().filter(l -> l.contains("\"port_value\"" + port)).findFirst().orElse("none: " + lines(log));
    }
}
