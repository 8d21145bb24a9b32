package io.remora.upstream;

import static io.remora.upstream.TestClusters.cla;
import static io.remora.upstream.TestClusters.claPriorities;
import static io.remora.upstream.TestClusters.ep;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.remora.config.ClusterConfig;
import io.remora.config.ClusterConfig.DiscoveryType;
import io.remora.config.ClusterConfig.LbPolicy;
import io.remora.config.ClusterLoadAssignment;
import io.remora.config.ClusterLoadAssignment.HealthStatus;
import io.remora.stats.StatsRegistry;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The aggregate cluster's linearized levels, its picks through members, and member updates. */
class AggregateClusterTest {
    private final ClusterManagerImpl cm = new ClusterManagerImpl(new StatsRegistry());

    private static ClusterConfig member(String name, ClusterLoadAssignment a) {
        return TestClusters.cluster(name, DiscoveryType.STATIC, LbPolicy.ROUND_ROBIN, a);
    }

    private static ClusterConfig aggregate(String name, String... members) {
        return ClusterConfig.builder(name).type(DiscoveryType.AGGREGATE).lbPolicy(LbPolicy.CLUSTER_PROVIDED)
                .aggregateClusters(List.of(members)).build();
    }

    private void apply(ClusterConfig... configs) {
        Map<String, ClusterConfig> m = new LinkedHashMap<>();
        for (ClusterConfig c : configs) {
            m.put(c.name(), c);
        }
        cm.update(m);
    }

    /** Picks by port, each through the member the aggregate chose (whose name must own the port). */
    private Map<Integer, Integer> picks(String aggregate, int n, LoadBalancerContext ctx) {
        Map<Integer, Integer> counts = new HashMap<>();
        Cluster agg = cm.get(aggregate);
        for (int i = 0; i < n; i++) {
            Cluster member = agg.pickCluster(ctx);
            assertNotNull(member);
            Host h = member.chooseHost(ctx);
            assertTrue(member.hosts().contains(h), member.name() + " picked a host of another cluster");
            counts.merge(((InetSocketAddress) h.address()).getPort(), 1, Integer::sum);
        }
        return counts;
    }

    @Test
    void healthyPrimaryTakesEverything() {
        apply(member("primary", cla("primary", ep("127.0.0.1", 1), ep("127.0.0.1", 2))),
                member("secondary", cla("secondary", ep("127.0.0.1", 3))), aggregate("agg", "primary", "secondary"));
        Map<Integer, Integer> counts = picks("agg", 1000, LoadBalancerContext.NONE);
        assertEquals(null, counts.get(3));
        assertEquals(500, counts.get(1), counts.toString());
        Cluster member = cm.get("agg").pickCluster(LoadBalancerContext.NONE);
        assertEquals("primary", member.name());
        assertSame(cm.get("primary").stats(), member.stats());
        assertSame(cm.get("primary").limits(), member.limits());
    }

    /**
     * Draining hosts are excluded from a member level's counts in the aggregate's panic too: a
     * primary with one healthy, one failed and two draining hosts is half healthy, not in panic,
     * so the failed secondary takes nothing (counted as hosts, they put every level in panic and
     * the load was spread by host counts).
     */
    @Test
    void drainingMemberHostsDoNotPutTheAggregateInPanic() {
        apply(member("primary", cla("primary", ep("127.0.0.1", 1, 1, HealthStatus.HEALTHY),
                        ep("127.0.0.1", 2, 1, HealthStatus.UNHEALTHY), ep("127.0.0.1", 3, 1, HealthStatus.DRAINING),
                        ep("127.0.0.1", 4, 1, HealthStatus.DRAINING))),
                member("secondary", cla("secondary", ep("127.0.0.1", 5, 1, HealthStatus.UNHEALTHY))),
                aggregate("agg", "primary", "secondary"));
        assertEquals(Map.of(1, 200), picks("agg", 200, LoadBalancerContext.NONE));
    }

    @Test
    void halfHealthyPrimarySpillsThirtyPercentToSecondary() {
        apply(member("primary", cla("primary", ep("127.0.0.1", 1, 1, HealthStatus.HEALTHY),
                        ep("127.0.0.1", 2, 1, HealthStatus.UNHEALTHY))),
                member("secondary", cla("secondary", ep("127.0.0.1", 3))), aggregate("agg", "primary", "secondary"));
        assertEquals(List.of(70, 100, 100, 100),
                java.util.Arrays.stream(((AggregateCluster) cm.get("agg")).levels().cumulativeLoad()).boxed().toList());
        Map<Integer, Integer> counts = picks("agg", 10_000, LoadBalancerContext.NONE);
        // The primary's own balancer never picks its unhealthy host (not in panic: the total is 100).
        assertNull(counts.get(2));
        assertTrue(Math.abs(counts.get(3) - 3000) < 400, counts.toString());
    }

    @Test
    void unhealthyPrimaryFailsOverAndMembersPrioritiesAreLevels() {
        apply(member("primary", claPriorities("primary", List.of(
                        List.of(ep("127.0.0.1", 1, 1, HealthStatus.UNHEALTHY)),
                        List.of(ep("127.0.0.1", 2, 1, HealthStatus.UNHEALTHY))))),
                member("secondary", cla("secondary", ep("127.0.0.1", 3))), aggregate("agg", "primary", "secondary"));
        AggregateLevels levels = ((AggregateCluster) cm.get("agg")).levels();
        assertEquals(3, levels.levelCount());
        assertEquals(Map.of(3, 200), picks("agg", 200, LoadBalancerContext.NONE));
    }

    @Test
    void degradedPrimaryHostsOnlyTakeWhatTheSecondaryCannot() {
        apply(member("primary", cla("primary", ep("127.0.0.1", 1, 1, HealthStatus.DEGRADED))),
                member("secondary", cla("secondary", ep("127.0.0.1", 3))), aggregate("agg", "primary", "secondary"));
        assertEquals(Map.of(3, 100), picks("agg", 100, LoadBalancerContext.NONE));
        // The secondary gone bad: the primary's degraded host takes everything, through its degraded slot.
        apply(member("primary", cla("primary", ep("127.0.0.1", 1, 1, HealthStatus.DEGRADED))),
                member("secondary", cla("secondary", ep("127.0.0.1", 3, 1, HealthStatus.UNHEALTHY))),
                aggregate("agg", "primary", "secondary"));
        assertEquals(Map.of(1, 100), picks("agg", 100, LoadBalancerContext.NONE));
    }

    @Test
    void missingMembersAreSkippedUntilTheyAppear() {
        apply(aggregate("agg", "later", "secondary"), member("secondary", cla("secondary", ep("127.0.0.1", 3))));
        assertEquals(Map.of(3, 50), picks("agg", 50, LoadBalancerContext.NONE));
        apply(aggregate("agg", "later", "secondary"), member("secondary", cla("secondary", ep("127.0.0.1", 3))),
                member("later", cla("later", ep("127.0.0.1", 4))));
        assertEquals(Map.of(4, 50), picks("agg", 50, LoadBalancerContext.NONE));
    }

    @Test
    void noMemberWithHostsMeansNoHost() {
        apply(aggregate("agg", "missing", "inner"), aggregate("inner", "missing"));
        assertNull(cm.get("agg").pickCluster(LoadBalancerContext.NONE));
        assertNull(cm.get("agg").chooseHost(LoadBalancerContext.NONE));
        assertTrue(cm.get("agg").hosts().isEmpty());
    }

    @Test
    void memberHealthChangesAreFollowed() {
        apply(member("primary", cla("primary", ep("127.0.0.1", 1))),
                member("secondary", cla("secondary", ep("127.0.0.1", 3))), aggregate("agg", "primary", "secondary"));
        assertEquals(Map.of(1, 20), picks("agg", 20, LoadBalancerContext.NONE));
        Cluster primary = cm.get("primary");
        primary.hosts().get(0).healthFlagSet(HealthFlag.FAILED_OUTLIER_CHECK);
        primary.hostHealthChanged();
        assertEquals(Map.of(3, 20), picks("agg", 20, LoadBalancerContext.NONE));
    }

    @Test
    void previousPrioritiesCountsAggregateLevels() {
        apply(member("primary", cla("primary", ep("127.0.0.1", 1))),
                member("secondary", cla("secondary", ep("127.0.0.1", 3))), aggregate("agg", "primary", "secondary"));
        Host tried = cm.get("primary").hosts().get(0);
        LoadBalancerContext retry = new LoadBalancerContext() {
            @Override
            public long excludedPriorities(java.util.function.ToIntFunction<Host> priorityOf) {
                return 1L << priorityOf.applyAsInt(tried);
            }

            @Override
            public long excludedPriorities() {
                // The member's own numbering would exclude its priority 0: a forced pick must not ask.
                return 1;
            }
        };
        assertEquals(Map.of(3, 20), picks("agg", 20, retry));
    }

    /** A member whose priority p has 100 hosts, {@code healthyPercent[p]} of them healthy. */
    private static ClusterConfig percentMember(String name, int firstPort, int... healthyPercent) {
        List<List<io.remora.config.ClusterLoadAssignment.LbEndpoint>> levels = new java.util.ArrayList<>();
        int port = firstPort;
        for (int healthy : healthyPercent) {
            List<io.remora.config.ClusterLoadAssignment.LbEndpoint> level = new java.util.ArrayList<>();
            for (int i = 0; i < 100; i++) {
                level.add(ep("127.0.0.1", port++, 1, i < healthy ? HealthStatus.HEALTHY : HealthStatus.UNHEALTHY));
            }
            levels.add(level);
        }
        return member(name, claPriorities(name, levels));
    }

    /** The primary's and the secondary's share of the load, as Envoy's aggregate cluster docs tabulate them. */
    private int[] shares(int[] primary, int[] secondary) {
        apply(percentMember("primary", 10_000, primary), percentMember("secondary", 20_000, secondary),
                aggregate("agg", "primary", "secondary"));
        int[] cum = ((AggregateCluster) cm.get("agg")).levels().cumulativeLoad();
        int p = cum[primary.length - 1];
        return new int[] {p, cum[primary.length + secondary.length - 1] - p};
    }

    @Test
    void loadFollowsEnvoysAggregateExamples() {
        assertArrayEquals(new int[] {100, 0}, shares(new int[] {100, 100, 100}, new int[] {100, 100}));
        assertArrayEquals(new int[] {100, 0}, shares(new int[] {72, 100, 100}, new int[] {100, 100}));
        assertArrayEquals(new int[] {100, 0}, shares(new int[] {71, 1, 0}, new int[] {100, 100}));
        assertArrayEquals(new int[] {99, 1}, shares(new int[] {71, 0, 0}, new int[] {100, 100}));
        assertArrayEquals(new int[] {70, 30}, shares(new int[] {20, 20, 10}, new int[] {25, 25}));
        assertArrayEquals(new int[] {0, 100}, shares(new int[] {0, 0, 0}, new int[] {100, 0}));
        assertArrayEquals(new int[] {0, 100}, shares(new int[] {0, 0, 0}, new int[] {72, 0}));
    }
}
