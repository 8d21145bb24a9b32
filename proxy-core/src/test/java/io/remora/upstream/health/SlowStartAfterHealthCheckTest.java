package io.remora.upstream.health;

import io.remora.config.ClusterConfig;
import io.remora.config.HealthCheckConfig;
import io.remora.config.LoadBalancingConfig;
import io.remora.stats.StatsRegistry;
import io.remora.upstream.Cluster;
import io.remora.upstream.ClusterManagerImpl;
import io.remora.upstream.HealthFlag;
import io.remora.upstream.Host;
import io.remora.upstream.LoadBalancerContext;
import io.remora.upstream.TestClusters;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.remora.upstream.health.HealthCheckerTest.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Slow start under active health checking, as Envoy's lastHcPassTime: a host that failed its checks
 * and passes again ramps up from that moment, as a new host would, instead of taking its full share
 * at once.
 */
class SlowStartAfterHealthCheckTest {

    private static int picksOf(Cluster c, Host h, int picks) {
        int n = 0;
        for (int i = 0; i < picks; i++) {
            if (c.chooseHost(LoadBalancerContext.NONE) == h) {
                n++;
            }
        }
        return n;
    }

    @Test
    void aHostBackFromFailingItsChecksRampsUpAgain() throws Exception {
        Duration window = Duration.ofSeconds(4);
        LoadBalancingConfig slow = new LoadBalancingConfig(50, false, null, LoadBalancingConfig.RingHash.DEFAULT,
                LoadBalancingConfig.Maglev.DEFAULT, 1.0, new LoadBalancingConfig.SlowStart(window, 1.0, 10));
        HealthCheckConfig hc = HealthCheckConfig.builder(Duration.ofSeconds(1), Duration.ofMillis(100),
                new HealthCheckConfig.Tcp("", List.of())).thresholds(1, 1).noTrafficInterval(Duration.ofMillis(100))
                .build();
        try (ServerSocket steady = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             ClusterManagerImpl cm = new ClusterManagerImpl(new StatsRegistry())) {
            ServerSocket flapping = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            int port = flapping.getLocalPort();
            cm.update(Map.of("ss", TestClusters.staticCluster("ss", ClusterConfig.LbPolicy.ROUND_ROBIN,
                            TestClusters.ep("127.0.0.1", steady.getLocalPort()), TestClusters.ep("127.0.0.1", port))
                    .withResilience(null, List.of(hc), slow)));
            Cluster c = cm.get("ss");
            Host back = c.hosts().stream().filter(h -> ((InetSocketAddress) h.address()).getPort() == port)
                    .findFirst().orElseThrow();
            await("both hosts pass their first check", () -> c.hosts().stream().allMatch(Host::isHealthy));
            Thread.sleep(window.toMillis() + 200); // both past their window: an even split

            flapping.close();
            await("the host fails its check", () -> back.healthFlagGet(HealthFlag.FAILED_ACTIVE_HC));
            try (ServerSocket again = new ServerSocket()) {
                again.setReuseAddress(true);
                again.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
                await("the host passes again", back::isHealthy);
                // Its weight starts again at min_weight_percent of its share and grows over the window.
                int share = picksOf(c, back, 10_000);
                assertTrue(share < 3_500, "a host back from failing its checks ramps up: " + share + " of 10000");
                Thread.sleep(window.toMillis() + 200);
                int later = picksOf(c, back, 10_000);
                assertTrue(later > 4_500, "an even split once its window is over: " + later + " of 10000");
            }
        }
    }
}
