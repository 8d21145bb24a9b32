package io.remora.upstream;

import static io.remora.upstream.TestClusters.ep;
import static io.remora.upstream.TestClusters.staticCluster;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.remora.config.ClusterConfig.LbPolicy;
import io.remora.config.LoadBalancingConfig;
import io.remora.stats.StatsRegistry;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** pick_first: every pick the first healthy host in order; shuffled, an order that holds across rebuilds. */
class PickFirstLoadBalancerTest {

    private static Set<Integer> ports(Cluster c, int picks) {
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < picks; i++) {
            seen.add(((InetSocketAddress) c.chooseHost(LoadBalancerContext.NONE).address()).getPort());
        }
        return seen;
    }

    @Test
    void everyPickIsTheFirstHealthyHostInOrder() {
        try (ClusterManagerImpl cm = new ClusterManagerImpl(new StatsRegistry())) {
            cm.update(Map.of("pf", staticCluster("pf", LbPolicy.PICK_FIRST,
                    ep("127.0.0.1", 3), ep("127.0.0.1", 1), ep("127.0.0.1", 2))));
            Cluster c = cm.get("pf");
            assertEquals(Set.of(3), ports(c, 1_000), "the first endpoint listed, not the lowest address");
            c.hosts().get(0).healthFlagSet(HealthFlag.FAILED_OUTLIER_CHECK);
            c.hostHealthChanged();
            assertEquals(Set.of(1), ports(c, 1_000));
            c.hosts().get(0).healthFlagClear(HealthFlag.FAILED_OUTLIER_CHECK);
            c.hostHealthChanged();
            assertEquals(Set.of(3), ports(c, 1_000), "back to the first once it is healthy");
        }
    }

    @Test
    void shuffledTheFirstIsBySaltedRankAndStaysWhileOthersChange() {
        try (ClusterManagerImpl cm = new ClusterManagerImpl(new StatsRegistry())) {
            cm.update(Map.of("pf", staticCluster("pf", LbPolicy.PICK_FIRST, ep("127.0.0.1", 1), ep("127.0.0.1", 2),
                    ep("127.0.0.1", 3), ep("127.0.0.1", 4))
                    .withResilience(null, List.of(), LoadBalancingConfig.DEFAULT.withShuffleAddressList(true))));
            Cluster c = cm.get("pf");
            Host expected = c.hosts().get(0);
            for (Host h : c.hosts()) {
                if (Long.compareUnsigned(PickFirstLoadBalancer.rank(h), PickFirstLoadBalancer.rank(expected)) < 0) {
                    expected = h;
                }
            }
            int first = ((InetSocketAddress) expected.address()).getPort();
            assertEquals(Set.of(first), ports(c, 1_000));
            Host other = c.hosts().stream().filter(h -> h.address() != null
                    && ((InetSocketAddress) h.address()).getPort() != first).findFirst().orElseThrow();
            other.healthFlagSet(HealthFlag.FAILED_OUTLIER_CHECK);
            c.hostHealthChanged();
            assertEquals(Set.of(first), ports(c, 1_000), "another host's health moves nothing");
            Host chosen = c.hosts().stream().filter(h -> ((InetSocketAddress) h.address()).getPort() == first)
                    .findFirst().orElseThrow();
            chosen.healthFlagSet(HealthFlag.FAILED_OUTLIER_CHECK);
            c.hostHealthChanged();
            Set<Integer> next = ports(c, 1_000);
            assertEquals(1, next.size(), "still one host: " + next);
            assertNotEquals(Set.of(first), next);
        }
    }
}
