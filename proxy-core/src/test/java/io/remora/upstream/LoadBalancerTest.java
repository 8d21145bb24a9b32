package io.remora.upstream;

import static io.remora.upstream.TestClusters.ep;
import static io.remora.upstream.TestClusters.staticCluster;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.remora.config.ClusterConfig;
import io.remora.config.ClusterConfig.DiscoveryType;
import io.remora.config.ClusterConfig.LbPolicy;
import io.remora.config.ClusterLoadAssignment.HealthStatus;
import io.remora.stats.StatsRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LoadBalancerTest {

    private static Cluster build(ClusterConfig c) {
        ClusterManagerImpl cm = new ClusterManagerImpl(new StatsRegistry());
        cm.update(Map.of(c.name(), c));
        return cm.get(c.name());
    }

    private static Map<Integer, Integer> countPorts(Cluster c, int picks, LoadBalancerContext ctx) {
        Map<Integer, Integer> counts = new HashMap<>();
        for (int i = 0; i < picks; i++) {
            Host h = c.chooseHost(ctx);
            counts.merge(((java.net.InetSocketAddress) h.address()).getPort(), 1, Integer::sum);
        }
        return counts;
    }

    @Test
    void roundRobinRotatesInOrder() {
        Cluster c = build(staticCluster("rr", LbPolicy.ROUND_ROBIN,
                ep("127.0.0.1", 1), ep("127.0.0.1", 2), ep("127.0.0.1", 3)));
        List<Integer> seq = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            seq.add(((java.net.InetSocketAddress) c.chooseHost(LoadBalancerContext.NONE).address()).getPort());
        }
        for (int i = 3; i < 9; i++) {
            assertEquals(seq.get(i - 3), seq.get(i), "period 3: " + seq);
        }
        assertEquals(Set.of(1, 2, 3), new HashSet<>(seq.subList(0, 3)));
    }

    @Test
    void weightedRoundRobinSharesFollowWeights() {
        Cluster c = build(staticCluster("wrr", LbPolicy.ROUND_ROBIN,
                ep("127.0.0.1", 1, 1, HealthStatus.HEALTHY), ep("127.0.0.1", 2, 3, HealthStatus.HEALTHY),
                ep("127.0.0.1", 3, 6, HealthStatus.HEALTHY)));
        Map<Integer, Integer> counts = countPorts(c, 10_000, LoadBalancerContext.NONE);
        // Deterministic schedule: exact shares over whole periods.
        assertEquals(1_000, counts.get(1));
        assertEquals(3_000, counts.get(2));
        assertEquals(6_000, counts.get(3));
    }

    @Test
    void weightedRoundRobinInterleaves() {
        Cluster c = build(staticCluster("wrr2", LbPolicy.ROUND_ROBIN,
                ep("127.0.0.1", 1, 1, HealthStatus.HEALTHY), ep("127.0.0.1", 2, 1, HealthStatus.HEALTHY),
                ep("127.0.0.1", 3, 2, HealthStatus.HEALTHY)));
        // The heavy host never takes two picks in a row within a period of 4 (EDF spreads it).
        int prev = -1;
        int run = 0;
        int maxRun = 0;
        for (int i = 0; i < 400; i++) {
            int p = ((java.net.InetSocketAddress) c.chooseHost(null).address()).getPort();
            run = p == prev ? run + 1 : 1;
            maxRun = Math.max(maxRun, run);
            prev = p;
        }
        assertTrue(maxRun <= 2, "max run " + maxRun);
    }

    @Test
    void leastRequestPrefersTheLessLoadedHost() {
        Cluster c = build(staticCluster("lr", LbPolicy.LEAST_REQUEST,
                ep("127.0.0.1", 1), ep("127.0.0.1", 2)));
        Host busy = c.hosts().get(0);
        busy.activeRequests.set(10);
        Map<Integer, Integer> counts = countPorts(c, 10_000, LoadBalancerContext.NONE);
        int busyPort = ((java.net.InetSocketAddress) busy.address()).getPort();
        int idlePort = busyPort == 1 ? 2 : 1;
        // With two random choices the busy host wins only when drawn twice: ~25 %.
        assertTrue(counts.getOrDefault(idlePort, 0) > 6_500, counts.toString());
        assertTrue(counts.getOrDefault(busyPort, 0) > 1_500, counts.toString());
    }

    @Test
    void weightedLeastRequestUsesWeightOverActive() {
        Cluster c = build(staticCluster("wlr", LbPolicy.LEAST_REQUEST,
                ep("127.0.0.1", 1, 1, HealthStatus.HEALTHY), ep("127.0.0.1", 2, 4, HealthStatus.HEALTHY)));
        Map<Integer, Integer> idle = countPorts(c, 20_000, null);
        assertTrue(idle.get(2) > 3 * idle.get(1), idle.toString()); // ~4:1
        Host heavy = c.hosts().get(1);
        heavy.activeRequests.set(7); // 4/8 = 0.5 against 1/1
        Map<Integer, Integer> loaded = countPorts(c, 20_000, null);
        assertTrue(loaded.get(1) > loaded.get(2), loaded.toString());
    }

    @Test
    void randomCoversAllHosts() {
        Cluster c = build(staticCluster("rnd", LbPolicy.RANDOM,
                ep("127.0.0.1", 1), ep("127.0.0.1", 2), ep("127.0.0.1", 3), ep("127.0.0.1", 4)));
        Map<Integer, Integer> counts = countPorts(c, 4_000, null);
        assertEquals(4, counts.size());
        counts.values().forEach(n -> assertTrue(n > 700, counts.toString()));
    }

    @Test
    void unhealthyHostsAreExcluded() {
        Cluster c = build(staticCluster("uh", LbPolicy.ROUND_ROBIN,
                ep("127.0.0.1", 1, 1, HealthStatus.HEALTHY), ep("127.0.0.1", 2, 1, HealthStatus.HEALTHY),
                ep("127.0.0.1", 3, 1, HealthStatus.UNHEALTHY)));
        Map<Integer, Integer> counts = countPorts(c, 300, null);
        assertEquals(Set.of(1, 2), counts.keySet());
        assertEquals(2, c.stats().membershipHealthy.get());
        assertEquals(3, c.stats().membershipTotal.get());
    }

    @Test
    void panicModeUsesAllHostsBelowHalfHealthy() {
        Cluster c = build(staticCluster("panic", LbPolicy.ROUND_ROBIN,
                ep("127.0.0.1", 1, 1, HealthStatus.HEALTHY), ep("127.0.0.1", 2, 1, HealthStatus.UNHEALTHY),
                ep("127.0.0.1", 3, 1, HealthStatus.UNHEALTHY)));
        assertEquals(Set.of(1, 2, 3), countPorts(c, 300, null).keySet());
        Cluster none = build(staticCluster("allbad", LbPolicy.ROUND_ROBIN,
                ep("127.0.0.1", 1, 1, HealthStatus.UNHEALTHY)));
        // Envoy's panic with zero healthy: still balanced over all hosts.
        assertNotNull(none.chooseHost(null));
    }

    /**
     * Envoy's excluded hosts (EDS DRAINING) count neither as healthy nor as hosts of their level:
     * one healthy host beside three draining ones is not a level in panic, and a level half
     * draining spills nothing to the next priority.
     */
    @Test
    void drainingHostsAreNotCountedTowardsPanicOrSpill() {
        Cluster c = build(staticCluster("draining", LbPolicy.ROUND_ROBIN,
                ep("127.0.0.1", 1, 1, HealthStatus.HEALTHY), ep("127.0.0.1", 2, 1, HealthStatus.DRAINING),
                ep("127.0.0.1", 3, 1, HealthStatus.DRAINING), ep("127.0.0.1", 4, 1, HealthStatus.DRAINING)));
        assertEquals(Set.of(1), countPorts(c, 100, null).keySet(), "no panic: draining hosts take nothing");
        assertEquals(3, c.stats().membershipExcluded.get(), "membership_excluded counts them, as Envoy's");
        ClusterConfig cfg = TestClusters.cluster("drainprio", DiscoveryType.STATIC, LbPolicy.ROUND_ROBIN,
                TestClusters.claPriorities("drainprio", List.of(
                        List.of(ep("127.0.0.1", 1, 1, HealthStatus.HEALTHY), ep("127.0.0.1", 2, 1, HealthStatus.DRAINING)),
                        List.of(ep("127.0.0.1", 3, 1, HealthStatus.HEALTHY)))));
        assertEquals(Set.of(1), countPorts(build(cfg), 200, null).keySet(), "P0 is 100 % available");
    }

    @Test
    void healthChangedInPlaceIsPickedUp() {
        Cluster c = build(staticCluster("hc", LbPolicy.ROUND_ROBIN,
                ep("127.0.0.1", 1), ep("127.0.0.1", 2), ep("127.0.0.1", 3)));
        c.hosts().get(0).health(HealthStatus.UNHEALTHY);
        c.hostHealthChanged();
        assertEquals(2, countPorts(c, 100, null).size());
    }

    @Test
    void lowestHealthyPriorityFirstThenSpill() {
        ClusterConfig cfg = TestClusters.cluster("prio", DiscoveryType.STATIC, LbPolicy.ROUND_ROBIN,
                TestClusters.claPriorities("prio", List.of(
                        List.of(ep("127.0.0.1", 1, 1, HealthStatus.HEALTHY), ep("127.0.0.1", 2, 1, HealthStatus.HEALTHY)),
                        List.of(ep("127.0.0.1", 3, 1, HealthStatus.HEALTHY)))));
        Cluster c = build(cfg);
        assertEquals(Set.of(1, 2), countPorts(c, 200, null).keySet());
        // P0 at 50 % healthy: health 70 %, so P1 takes the other 30 %.
        ClusterConfig half = TestClusters.cluster("prio2", DiscoveryType.STATIC, LbPolicy.ROUND_ROBIN,
                TestClusters.claPriorities("prio2", List.of(
                        List.of(ep("127.0.0.1", 1, 1, HealthStatus.HEALTHY), ep("127.0.0.1", 2, 1, HealthStatus.UNHEALTHY)),
                        List.of(ep("127.0.0.1", 3, 1, HealthStatus.HEALTHY)))));
        Map<Integer, Integer> counts = countPorts(build(half), 10_000, null);
        assertNull(counts.get(2));
        assertTrue(counts.get(1) > 6_500 && counts.get(1) < 7_500, counts.toString());
        assertTrue(counts.get(3) > 2_500 && counts.get(3) < 3_500, counts.toString());
    }

    @Test
    void previousHostsPredicateAvoidsTriedHosts() {
        Cluster c = build(staticCluster("prev", LbPolicy.RANDOM,
                ep("127.0.0.1", 1), ep("127.0.0.1", 2)));
        Host first = c.hosts().get(0);
        LoadBalancerContext avoidFirst = new LoadBalancerContext() {
            @Override
            public boolean shouldSelectAnotherHost(Host host) {
                return host == first;
            }

            @Override
            public int hostSelectionRetryCount() {
                return 50;
            }
        };
        for (int i = 0; i < 500; i++) {
            assertNotEquals(first, c.chooseHost(avoidFirst));
        }
        // Without retries the predicate cannot be honoured every time.
        LoadBalancerContext noRetry = new LoadBalancerContext() {
            @Override
            public boolean shouldSelectAnotherHost(Host host) {
                return host == first;
            }
        };
        boolean sawFirst = false;
        for (int i = 0; i < 500 && !sawFirst; i++) {
            sawFirst = c.chooseHost(noRetry) == first;
        }
        assertTrue(sawFirst);
    }

    @Test
    void edsWithoutAssignmentHasNoHost() {
        Cluster c = build(TestClusters.cluster("eds", DiscoveryType.EDS, LbPolicy.ROUND_ROBIN, null));
        assertNull(c.chooseHost(null));
        assertTrue(c.hosts().isEmpty());
    }
}
