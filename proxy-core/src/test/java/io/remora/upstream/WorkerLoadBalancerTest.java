package io.remora.upstream;

import static io.remora.upstream.TestClusters.ep;
import static io.remora.upstream.TestClusters.staticCluster;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.remora.config.Address;
import io.remora.config.ClusterConfig;
import io.remora.config.ClusterConfig.LbPolicy;
import io.remora.config.ClusterLoadAssignment;
import io.remora.config.ClusterLoadAssignment.HealthStatus;
import io.remora.config.ClusterLoadAssignment.LbEndpoint;
import io.remora.config.ClusterLoadAssignment.Locality;
import io.remora.config.ClusterLoadAssignment.LocalityLbEndpoints;
import io.remora.config.LoadBalancingConfig;
import io.remora.stats.StatsRegistry;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Load balancer state per worker, as Envoy's thread-local balancers keep it: each event loop
 * picks through its own balancer over the shared host set; a host-set change gives every worker a
 * fresh one; consistent hashing maps a key alike on every worker and after a restart.
 */
class WorkerLoadBalancerTest {
    private final EventLoop a = new DefaultEventLoop();
    private final EventLoop b = new DefaultEventLoop();
    private final List<ClusterManagerImpl> managers = new ArrayList<>();

    @AfterEach
    void stop() {
        a.shutdownGracefully();
        b.shutdownGracefully();
        managers.forEach(ClusterManagerImpl::close);
    }

    private final StatsRegistry stats = new StatsRegistry();

    private ClusterManagerImpl manager(ClusterConfig... cs) {
        ClusterManagerImpl cm = new ClusterManagerImpl(stats);
        managers.add(cm);
        Map<String, ClusterConfig> m = new HashMap<>();
        for (ClusterConfig c : cs) {
            m.put(c.name(), c);
        }
        cm.update(m);
        return cm;
    }

    private static <T> T on(EventLoop loop, Callable<T> task) throws Exception {
        return loop.submit(task).get();
    }

    private static int port(Host h) {
        return ((InetSocketAddress) h.address()).getPort();
    }

    @Test
    void eachWorkerRotatesOverEveryHostOnItsOwn() throws Exception {
        ClusterImpl c = (ClusterImpl) manager(staticCluster("rr", LbPolicy.ROUND_ROBIN,
                ep("127.0.0.1", 1), ep("127.0.0.1", 2), ep("127.0.0.1", 3), ep("127.0.0.1", 4))).get("rr");
        List<Integer> seqA = new ArrayList<>();
        List<Integer> seqB = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            // Alternating workers: one shared rotation would give each of them every other host.
            seqA.add(on(a, () -> port(c.chooseHost(LoadBalancerContext.NONE))));
            seqB.add(on(b, () -> port(c.chooseHost(LoadBalancerContext.NONE))));
        }
        assertEquals(Set.of(1, 2, 3, 4), new HashSet<>(seqA.subList(0, 4)), "worker a: " + seqA);
        assertEquals(Set.of(1, 2, 3, 4), new HashSet<>(seqB.subList(0, 4)), "worker b: " + seqB);
        assertEquals(seqA.subList(0, 4), seqA.subList(4, 8));
        assertEquals(2, c.prioritySet().workerCount());
    }

    @Test
    void weightedScheduleIsFollowedByEachWorker() throws Exception {
        ClusterImpl c = (ClusterImpl) manager(staticCluster("wrr", LbPolicy.ROUND_ROBIN,
                ep("127.0.0.1", 1, 1, HealthStatus.HEALTHY), ep("127.0.0.1", 2, 3, HealthStatus.HEALTHY))).get("wrr");
        Map<Integer, Integer> countA = new HashMap<>();
        for (int i = 0; i < 400; i++) {
            on(b, () -> c.chooseHost(LoadBalancerContext.NONE)); // the other worker's picks do not move a's place
            countA.merge(on(a, () -> port(c.chooseHost(LoadBalancerContext.NONE))), 1, Integer::sum);
        }
        assertEquals(100, countA.get(1), "whole periods of weights 1:3 on worker a: " + countA);
        assertEquals(300, countA.get(2));
    }

    @Test
    void aHostSetChangeGivesEveryWorkerAFreshBalancer() throws Exception {
        ClusterManagerImpl cm = manager(staticCluster("chg", LbPolicy.ROUND_ROBIN,
                ep("127.0.0.1", 1), ep("127.0.0.1", 2), ep("127.0.0.1", 3)));
        ClusterImpl c = (ClusterImpl) cm.get("chg");
        on(a, () -> c.chooseHost(LoadBalancerContext.NONE));
        PrioritySet before = c.prioritySet();
        assertEquals(1, before.workerCount());
        cm.update(Map.of("chg", staticCluster("chg", LbPolicy.ROUND_ROBIN, ep("127.0.0.1", 1), ep("127.0.0.1", 3))));
        PrioritySet after = c.prioritySet();
        assertNotSame(before, after);
        assertEquals(0, after.workerCount());
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            seen.add(on(a, () -> port(c.chooseHost(LoadBalancerContext.NONE))));
        }
        assertEquals(Set.of(1, 3), seen);
        assertEquals(1, after.workerCount());
    }

    private static LoadBalancerContext hash(long h) {
        return new LoadBalancerContext() {
            @Override
            public OptionalLong computeHashKey() {
                return OptionalLong.of(h);
            }
        };
    }

    @Test
    void consistentHashingMapsAKeyAlikeOnEveryWorkerAndAfterARestart() throws Exception {
        for (LbPolicy policy : List.of(LbPolicy.RING_HASH, LbPolicy.MAGLEV)) {
            LbEndpoint[] eps = new LbEndpoint[5];
            for (int i = 0; i < eps.length; i++) {
                eps[i] = ep("127.0.0.1", 100 + i);
            }
            Cluster first = manager(staticCluster("ch", policy, eps)).get("ch");
            Cluster restarted = manager(staticCluster("ch", policy, eps)).get("ch");
            Set<Integer> used = new HashSet<>();
            for (long key = 0; key < 2000; key++) {
                long k = key * 0x9E3779B97F4A7C15L;
                int onA = on(a, () -> port(first.chooseHost(hash(k))));
                int onB = on(b, () -> port(first.chooseHost(hash(k))));
                int afterRestart = on(b, () -> port(restarted.chooseHost(hash(k))));
                assertEquals(onA, onB, policy + " key " + k);
                assertEquals(onA, afterRestart, policy + " key " + k + " after a restart");
                used.add(onA);
            }
            assertEquals(5, used.size(), policy + " spreads over every host");
        }
    }

    /**
     * Envoy's thread-aware chooseHost picks the priority once per pick and counts
     * lb_healthy_panic once, however many times a retry host predicate has the table asked again.
     */
    @Test
    void aHashedPickInPanicCountsPanicOnceWhateverItsHostSelectionRetries() {
        for (LbPolicy policy : List.of(LbPolicy.RING_HASH, LbPolicy.MAGLEV)) {
            String name = "panic-" + policy;
            // One healthy host of three: 33% is below the default 50% panic threshold.
            Cluster c = manager(staticCluster(name, policy, ep("127.0.0.1", 1, 1, HealthStatus.HEALTHY),
                    ep("127.0.0.1", 2, 1, HealthStatus.UNHEALTHY), ep("127.0.0.1", 3, 1, HealthStatus.UNHEALTHY)))
                    .get(name);
            LoadBalancerContext rejectingEveryHost = new LoadBalancerContext() {
                @Override
                public OptionalLong computeHashKey() {
                    return OptionalLong.of(42);
                }

                @Override
                public boolean shouldSelectAnotherHost(Host host) {
                    return true;
                }

                @Override
                public int hostSelectionRetryCount() {
                    return 3;
                }
            };
            assertNotNull(c.chooseHost(rejectingEveryHost), "the last try's host when every one is rejected");
            assertEquals(1.0, stats.meterRegistry().get("envoy_cluster_lb_healthy_panic")
                    .tag("envoy_cluster_name", name).counter().count(), policy + ": one pick, one panic");
        }
    }

    private static final Locality ZONE_A = new Locality("r", "a", "");
    private static final Locality ZONE_B = new Locality("r", "b", "");

    private static LbEndpoint healthy(int port) {
        return new LbEndpoint(new Address.Tcp("127.0.0.1", port), 1, HealthStatus.HEALTHY, null);
    }

    private static LbEndpoint unhealthy(int port) {
        return new LbEndpoint(new Address.Tcp("127.0.0.1", port), 1, HealthStatus.UNHEALTHY, null);
    }

    private static ClusterConfig withZoneAware(String name, ClusterLoadAssignment cla, LoadBalancingConfig.ZoneAware za) {
        cla = new ClusterLoadAssignment(name, cla.endpoints(), cla.overprovisioningFactor());
        return TestClusters.cluster(name, ClusterConfig.DiscoveryType.STATIC, LbPolicy.ROUND_ROBIN, cla)
                .withResilience(null, List.of(), new LoadBalancingConfig(50, false, za,
                        LoadBalancingConfig.RingHash.DEFAULT, LoadBalancingConfig.Maglev.DEFAULT, 1.0, null));
    }

    @Test
    void failTrafficOnPanicLeavesAPriorityInPanicWithoutHost() {
        ClusterLoadAssignment cla = new ClusterLoadAssignment("p", List.of(new LocalityLbEndpoints(ZONE_A, 0, 0,
                List.of(healthy(1), unhealthy(2), unhealthy(3), unhealthy(4)))), 0);
        Cluster failing = manager(withZoneAware("p", cla, new LoadBalancingConfig.ZoneAware(100, 6, true))).get("p");
        for (int i = 0; i < 20; i++) {
            assertNull(failing.chooseHost(LoadBalancerContext.NONE), "fail_traffic_on_panic: no host");
        }
        assertEquals(20.0, stats.meterRegistry().get("envoy_cluster_lb_healthy_panic").tag("envoy_cluster_name", "p")
                .counter().count(), "each pick from a priority in panic counts");
        Cluster panicking = manager(withZoneAware("q", cla, new LoadBalancingConfig.ZoneAware(100, 6, false))).get("q");
        Set<Integer> all = new HashSet<>();
        for (int i = 0; i < 40; i++) {
            all.add(port(panicking.chooseHost(LoadBalancerContext.NONE)));
        }
        assertEquals(Set.of(1, 2, 3, 4), all, "panic without it balances over every host");
    }

    /** Local proxies: 3 in zone a, 1 in zone b (or none when zone a alone). Upstream: 3 hosts in each zone. */
    private Map<Locality, Integer> zoneSplit(boolean force) {
        return zoneSplit(force, true);
    }

    private Map<Locality, Integer> zoneSplit(boolean force, boolean localInZoneB) {
        List<LocalityLbEndpoints> proxies = new ArrayList<>(List.of(
                new LocalityLbEndpoints(ZONE_A, 0, 0, List.of(healthy(11), healthy(12), healthy(13)))));
        if (localInZoneB) {
            proxies.add(new LocalityLbEndpoints(ZONE_B, 0, 0, List.of(healthy(14))));
        }
        ClusterLoadAssignment local = new ClusterLoadAssignment("local", proxies, 0);
        ClusterLoadAssignment up = new ClusterLoadAssignment("up", List.of(
                new LocalityLbEndpoints(ZONE_A, 0, 0, List.of(healthy(21), healthy(22), healthy(23))),
                new LocalityLbEndpoints(ZONE_B, 0, 0, List.of(healthy(24), healthy(25), healthy(26)))), 0);
        ClusterManagerImpl cm = manager(
                TestClusters.cluster("local", ClusterConfig.DiscoveryType.STATIC, LbPolicy.ROUND_ROBIN, local),
                withZoneAware("up", up, new LoadBalancingConfig.ZoneAware(100, 6, false, force)));
        cm.localCluster("local", ZONE_A);
        Cluster c = cm.get("up");
        Map<Locality, Integer> out = new HashMap<>();
        for (int i = 0; i < 6000; i++) {
            Host h = c.chooseHost(LoadBalancerContext.NONE);
            assertNotNull(h);
            out.merge(h.locality(), 1, Integer::sum);
        }
        return out;
    }

    @Test
    void forceLocalityDirectRoutingKeepsEveryRequestInTheLocalZone() {
        // Zone a holds 75% of the proxies but 50% of the upstream: 2/3 stay local, the rest crosses.
        Map<Locality, Integer> sampled = zoneSplit(false);
        int local = sampled.getOrDefault(ZONE_A, 0);
        assertTrue(local > 3_700 && local < 4_300, "two thirds local without force: " + sampled);
        Map<Locality, Integer> forced = zoneSplit(true);
        assertEquals(6000, forced.getOrDefault(ZONE_A, 0), "all local with force_locality_direct_routing: " + forced);
    }

    @Test
    void forcedDirectRoutingNeedsNoSecondLocalLocality() {
        // Every proxy in zone a: zone routing has nothing to balance against, round robin over both zones...
        Map<Locality, Integer> plain = zoneSplit(false, false);
        assertEquals(3000, plain.getOrDefault(ZONE_A, 0), plain.toString());
        // ...unless direct routing is forced.
        Map<Locality, Integer> forced = zoneSplit(true, false);
        assertEquals(6000, forced.getOrDefault(ZONE_A, 0), forced.toString());
    }
}
