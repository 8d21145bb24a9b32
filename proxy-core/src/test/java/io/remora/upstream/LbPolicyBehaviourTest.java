package io.remora.upstream;

import static io.remora.upstream.TestClusters.ep;
import static io.remora.upstream.TestClusters.staticCluster;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.remora.config.ClusterConfig;
import io.remora.config.ClusterConfig.LbPolicy;
import io.remora.config.ClusterLoadAssignment.HealthStatus;
import io.remora.config.LoadBalancingConfig;
import io.remora.stats.StatsRegistry;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** slow_start_config, LEAST_REQUEST's active_request_bias, the retry budget and degraded hosts, as a client of the cluster sees them. */
class LbPolicyBehaviourTest {

    private static LoadBalancingConfig lb(double bias, LoadBalancingConfig.SlowStart slowStart) {
        return new LoadBalancingConfig(50, false, null, LoadBalancingConfig.RingHash.DEFAULT,
                LoadBalancingConfig.Maglev.DEFAULT, bias, slowStart);
    }

    /** How many of {@code picks} picks went to each port. */
    static Map<Integer, Integer> countPorts(Cluster c, int picks) {
        Map<Integer, Integer> counts = new HashMap<>();
        for (int i = 0; i < picks; i++) {
            counts.merge(((InetSocketAddress) c.chooseHost(LoadBalancerContext.NONE).address()).getPort(), 1,
                    Integer::sum);
        }
        return counts;
    }

    @Test
    void aHostAddedDuringSlowStartTakesAGrowingShare() throws Exception {
        LoadBalancingConfig slow = lb(1.0, new LoadBalancingConfig.SlowStart(Duration.ofSeconds(2), 1.0, 10));
        try (ClusterManagerImpl cm = new ClusterManagerImpl(new StatsRegistry())) {
            cm.update(Map.of("s", staticCluster("s", LbPolicy.ROUND_ROBIN, ep("127.0.0.1", 1))
                    .withResilience(null, List.of(), slow)));
            Thread.sleep(2_200); // the first host is past its window
            cm.update(Map.of("s", staticCluster("s", LbPolicy.ROUND_ROBIN, ep("127.0.0.1", 1), ep("127.0.0.1", 2))
                    .withResilience(null, List.of(), slow)));
            Map<Integer, Integer> ramping = countPorts(cm.get("s"), 10_000);
            // At the start of its window the new host weighs min_weight_percent (10%) of 1: ~9%.
            assertTrue(ramping.getOrDefault(2, 0) < 3_000, "new host in slow start: " + ramping);
            assertTrue(ramping.getOrDefault(2, 0) > 300, "min_weight_percent keeps it in: " + ramping);
            Thread.sleep(2_200);
            Map<Integer, Integer> steady = countPorts(cm.get("s"), 10_000);
            assertEquals(5_000, steady.get(2), "round robin once the window is over: " + steady);
        }
    }

    @Test
    void aRampingLeastRequestClusterStillWeighsActiveRequests() {
        // Both hosts new (the same ramp factor); host 1 has 3 requests in flight: with bias 1 it
        // weighs 1/4 against host 2's 1, ~20% of the picks, as Envoy's EDF over hostWeight.
        LoadBalancingConfig slow = lb(1.0, new LoadBalancingConfig.SlowStart(Duration.ofMinutes(10), 1.0, 10));
        try (ClusterManagerImpl cm = new ClusterManagerImpl(new StatsRegistry())) {
            cm.update(Map.of("lrs", staticCluster("lrs", LbPolicy.LEAST_REQUEST,
                    ep("127.0.0.1", 1, 1, HealthStatus.HEALTHY), ep("127.0.0.1", 2, 1, HealthStatus.HEALTHY))
                    .withResilience(null, List.of(), slow)));
            Cluster c = cm.get("lrs");
            c.hosts().get(0).activeRequests.set(3);
            Map<Integer, Integer> shares = countPorts(c, 20_000);
            assertTrue(shares.get(1) > 2_800 && shares.get(1) < 5_200, "busy host, ~20%: " + shares);
        }
    }

    private static Map<Integer, Integer> leastRequestShares(double bias) {
        try (ClusterManagerImpl cm = new ClusterManagerImpl(new StatsRegistry())) {
            cm.update(Map.of("lr", staticCluster("lr", LbPolicy.LEAST_REQUEST,
                    ep("127.0.0.1", 1, 1, HealthStatus.HEALTHY), ep("127.0.0.1", 2, 2, HealthStatus.HEALTHY))
                    .withResilience(null, List.of(), lb(bias, null))));
            Cluster c = cm.get("lr");
            c.hosts().get(0).activeRequests.set(3);
            return countPorts(c, 20_000);
        }
    }

    @Test
    void activeRequestBiasSetsHowMuchActiveRequestsWeigh() {
        // Bias 1: host 1 weighs 1/(3+1) against host 2's 2/1, ~11%. Bias 0: weights alone, ~33%.
        Map<Integer, Integer> biased = leastRequestShares(1.0);
        assertTrue(biased.get(1) > 1_400 && biased.get(1) < 3_000, biased.toString());
        Map<Integer, Integer> unbiased = leastRequestShares(0.0);
        assertTrue(unbiased.get(1) > 5_800 && unbiased.get(1) < 7_600, unbiased.toString());
    }

    @Test
    void retryBudgetAllowsAShareOfOutstandingRequestsWithAFloor() {
        ResourceLimits limits = new ResourceLimits(new ClusterConfig.CircuitBreakers(1024, 1024, 1024, 3,
                new ClusterConfig.RetryBudget(20, 3)));
        for (int i = 0; i < 3; i++) {
            assertTrue(limits.tryAcquireRetry(), "min_retry_concurrency: " + i);
        }
        assertFalse(limits.tryAcquireRetry(), "nothing outstanding: the floor of 3");
        limits.requests.set(80);
        limits.pendingRequests.set(20);
        for (int i = 3; i < 20; i++) {
            assertTrue(limits.tryAcquireRetry(), "20% of 100 outstanding: " + i);
        }
        assertFalse(limits.tryAcquireRetry(), "the 21st concurrent retry is over budget");
        limits.retries.decrementAndGet();
        assertTrue(limits.tryAcquireRetry(), "a finished retry frees its place");
    }

    @Test
    void consistentHashingKeepsKeysOnHealthyHostsWhileThereAreAny() {
        // Two healthy hosts of four, two EDS-degraded: 70% healthy load, 30% degraded. Envoy's ring
        // and Maglev tables hold a priority's healthy hosts only, so every key lands on one of them.
        for (LbPolicy policy : List.of(LbPolicy.RING_HASH, LbPolicy.MAGLEV)) {
            try (ClusterManagerImpl cm = new ClusterManagerImpl(new StatsRegistry())) {
                cm.update(Map.of("h", staticCluster("h", policy, ep("127.0.0.1", 1, 1, HealthStatus.HEALTHY),
                        ep("127.0.0.1", 2, 1, HealthStatus.HEALTHY), ep("127.0.0.1", 3, 1, HealthStatus.DEGRADED),
                        ep("127.0.0.1", 4, 1, HealthStatus.DEGRADED))));
                Cluster c = cm.get("h");
                Map<Integer, Integer> counts = new HashMap<>();
                java.util.SplittableRandom keys = new java.util.SplittableRandom(11);
                for (int i = 0; i < 5_000; i++) {
                    long key = keys.nextLong();
                    Host h = c.chooseHost(new LoadBalancerContext() {
                        @Override
                        public java.util.OptionalLong computeHashKey() {
                            return java.util.OptionalLong.of(key);
                        }
                    });
                    counts.merge(((InetSocketAddress) h.address()).getPort(), 1, Integer::sum);
                }
                assertEquals(java.util.Set.of(1, 2), counts.keySet(), policy + ": " + counts);
            }
        }
        // With no healthy host the degraded ones still take the keys.
        try (ClusterManagerImpl cm = new ClusterManagerImpl(new StatsRegistry())) {
            cm.update(Map.of("d", staticCluster("d", LbPolicy.RING_HASH, ep("127.0.0.1", 3, 1, HealthStatus.DEGRADED),
                    ep("127.0.0.1", 4, 1, HealthStatus.DEGRADED))));
            assertEquals(2, countPorts(cm.get("d"), 2_000).size());
        }
    }

    @Test
    void degradedHostsTakeWhatTheHealthyOnesCannot() {
        // Two healthy hosts of ten: health 140% x 2/10 = 28% of the load, the eight EDS-degraded take the rest.
        io.remora.config.ClusterLoadAssignment.LbEndpoint[] eps = new io.remora.config.ClusterLoadAssignment.LbEndpoint[10];
        for (int i = 0; i < 10; i++) {
            eps[i] = ep("127.0.0.1", i + 1, 1, i < 2 ? HealthStatus.HEALTHY : HealthStatus.DEGRADED);
        }
        try (ClusterManagerImpl cm = new ClusterManagerImpl(new StatsRegistry())) {
            cm.update(Map.of("d", staticCluster("d", LbPolicy.ROUND_ROBIN, eps)));
            Map<Integer, Integer> counts = countPorts(cm.get("d"), 20_000);
            int healthy = counts.getOrDefault(1, 0) + counts.getOrDefault(2, 0);
            assertTrue(healthy > 5_000 && healthy < 6_200, "28% to the healthy hosts: " + counts);
            assertEquals(10, counts.size(), "every degraded host takes some: " + counts);
        }
    }
}
