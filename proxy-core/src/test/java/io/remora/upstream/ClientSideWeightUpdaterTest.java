package io.remora.upstream;

import static io.remora.upstream.LbPolicyBehaviourTest.countPorts;
import static io.remora.upstream.TestClusters.ep;
import static io.remora.upstream.TestClusters.staticCluster;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.remora.config.Address;
import io.remora.config.ClusterConfig;
import io.remora.config.ClusterLoadAssignment;
import io.remora.config.ClusterLoadAssignment.LocalityLbEndpoints;
import io.remora.config.ClusterLoadAssignment.Locality;
import io.remora.config.ClusterConfig.LbPolicy;
import io.remora.config.ClusterLoadAssignment.HealthStatus;
import io.remora.config.LoadBalancingConfig;
import io.remora.config.LoadBalancingConfig.ClientSideWeights;
import io.remora.stats.StatsRegistry;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Client-side weighted round robin: ORCA reports become host weights by Envoy's rules (blackout,
 * expiration, the median for hosts without a valid weight) and the round robin follows them.
 */
class ClientSideWeightUpdaterTest {
    private static final long SECOND = 1_000_000_000L;

    private static Host host(int port) {
        return new Host(new Address.Tcp("10.0.0.1", port), new InetSocketAddress("10.0.0.1", port), null, null, 7,
                HealthStatus.HEALTHY);
    }

    private static void report(Host h, String metrics) {
        h.clientSideWeight().onResponse(new DefaultHttp2Headers().add("endpoint-load-metrics", "TEXT " + metrics));
    }

    @Test
    void weightsCountAfterTheBlackoutUntilTheyExpireAndTheOthersTakeTheMedian() {
        AtomicLong now = new AtomicLong(1_000 * SECOND);
        ClientSideWeightUpdater u = new ClientSideWeightUpdater(null, () -> { }, now::get);
        u.configure(new ClientSideWeights(Duration.ofSeconds(10), Duration.ofSeconds(180), Duration.ofSeconds(1), 1.0,
                List.of()));
        Host a = host(1);
        Host b = host(2);
        Host c = host(3);
        Host d = host(4);
        List<Host> hosts = List.of(a, b, c, d);
        assertTrue(u.apply(hosts), "no valid weight yet: every host weighs 1, whatever EDS said");
        assertEquals(List.of(1, 1, 1, 1), hosts.stream().map(Host::weight).toList());
        report(a, "rps_fractional:100,cpu_utilization:0.5"); // 200
        report(b, "rps_fractional:100,cpu_utilization:0.25"); // 400
        report(c, "rps_fractional:100,cpu_utilization:0.1"); // 1000
        now.addAndGet(5 * SECOND);
        assertFalse(u.apply(hosts), "within the blackout period");
        now.addAndGet(5 * SECOND);
        report(a, "rps_fractional:100,cpu_utilization:0.5");
        assertTrue(u.apply(hosts));
        assertEquals(List.of(200, 400, 1000, 400), hosts.stream().map(Host::weight).toList(),
                "d never reported: the median of the valid weights");
        now.addAndGet(175 * SECOND);
        u.apply(hosts);
        assertEquals(List.of(200, 200, 200, 200), hosts.stream().map(Host::weight).toList(),
                "b and c's reports are 180 s old: expired; a reported 5 s later");
        report(b, "rps_fractional:100,cpu_utilization:0.25");
        now.addAndGet(2 * SECOND);
        u.apply(hosts);
        assertEquals(200, b.weight(), "b reports again but its blackout starts over");
        u.close();
        u.apply(hosts);
        assertNull(a.clientSideWeight(), "another policy: the response path reads no reports");
    }

    @Test
    void eachPriorityTakesItsOwnMedian() {
        AtomicLong now = new AtomicLong(0);
        ClientSideWeightUpdater u = new ClientSideWeightUpdater(null, () -> { }, now::get);
        u.configure(new ClientSideWeights(Duration.ZERO, Duration.ofSeconds(180), Duration.ofSeconds(1), 1.0, List.of()));
        Host a = host(1);
        Host b = host(2);
        Host p1 = host(3);
        p1.priority(1);
        List<Host> hosts = List.of(a, b, p1);
        u.apply(hosts);
        report(a, "rps_fractional:300,cpu_utilization:1");
        u.apply(hosts);
        assertEquals(List.of(300, 300, 1), hosts.stream().map(Host::weight).toList());
    }

    @Test
    void theClusterRoundRobinFollowsTheReportedWeights() {
        LoadBalancingConfig lb = LoadBalancingConfig.DEFAULT.withClientSideWeights(new ClientSideWeights(Duration.ZERO,
                Duration.ofSeconds(180), Duration.ofHours(1), 1.0, List.of()));
        try (ClusterManagerImpl cm = new ClusterManagerImpl(new StatsRegistry())) {
            cm.update(Map.of("w", staticCluster("w", LbPolicy.ROUND_ROBIN,
                    ep("127.0.0.1", 1, 5, HealthStatus.HEALTHY), ep("127.0.0.1", 2, 1, HealthStatus.HEALTHY))
                    .withResilience(null, List.of(), lb)));
            ClusterImpl c = (ClusterImpl) cm.get("w");
            assertEquals(Map.of(1, 500, 2, 500), countPorts(c, 1_000), "no reports: equal weights, not EDS's 5:1");
            report(c.hosts().get(0), "rps_fractional:100,cpu_utilization:0.9"); // 111
            report(c.hosts().get(1), "rps_fractional:100,application_utilization:0.1"); // 1000
            assertEquals(Map.of(1, 500, 2, 500), countPorts(c, 1_000), "weights move on the timer, not per report");
            c.clientSideWeightsDue();
            assertEquals(Map.of(1, 1_110, 2, 10_000), countPorts(c, 11_110), "one schedule period is 1111 picks");
        }
    }

    @Test
    void wrrLocalityPicksTheLocalityByWeightThenAHostByItsOrcaWeight() {
        Locality a = new Locality("r", "a", "");
        Locality b = new Locality("r", "b", "");
        ClusterLoadAssignment cla = new ClusterLoadAssignment("wl", List.of(
                new LocalityLbEndpoints(a, 1, 0, List.of(ep("127.0.0.1", 1), ep("127.0.0.1", 2))),
                new LocalityLbEndpoints(b, 1, 0, List.of(ep("127.0.0.1", 3)))), 140);
        LoadBalancingConfig lb = LoadBalancingConfig.DEFAULT.withClientSideWeights(new ClientSideWeights(Duration.ZERO,
                Duration.ofSeconds(180), Duration.ofHours(1), 1.0, List.of())).withLocalityWeighted();
        try (ClusterManagerImpl cm = new ClusterManagerImpl(new StatsRegistry())) {
            cm.update(Map.of("wl", TestClusters.cluster("wl", ClusterConfig.DiscoveryType.STATIC, LbPolicy.ROUND_ROBIN,
                    cla).withResilience(null, List.of(), lb)));
            ClusterImpl c = (ClusterImpl) cm.get("wl");
            report(c.hosts().get(0), "rps_fractional:100,cpu_utilization:0.1"); // 1000
            report(c.hosts().get(1), "rps_fractional:100,cpu_utilization:0.9"); // 111
            report(c.hosts().get(2), "rps_fractional:100,cpu_utilization:0.9"); // 111, alone in its locality
            c.clientSideWeightsDue();
            Map<Integer, Integer> p = countPorts(c, 20_000);
            int inA = p.get(1) + p.get(2);
            assertTrue(p.get(3) > 9_000 && p.get(3) < 11_000, "localities 1:1, not by host weights: " + p);
            assertTrue(p.get(1) > 0.85 * inA && p.get(1) < 0.95 * inA, "1000:111 within locality a: " + p);
        }
    }
}
