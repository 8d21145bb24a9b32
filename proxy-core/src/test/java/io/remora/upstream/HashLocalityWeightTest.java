package io.remora.upstream;

import io.remora.config.Address;
import io.remora.config.ClusterConfig.LbPolicy;
import io.remora.config.ClusterLoadAssignment;
import io.remora.config.ClusterLoadAssignment.Locality;
import io.remora.config.LoadBalancingConfig;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ring hash and Maglev with locality_weighted_lb_config: as Envoy's normalizeLocalityWeights, a
 * locality's keys follow its weight whatever its number of hosts, and a locality without weight
 * gets none.
 */
class HashLocalityWeightTest {
    private static final Locality A = new Locality("r", "a", "");
    private static final Locality B = new Locality("r", "b", "");
    private static final Locality C = new Locality("r", "c", "");

    private static Host host(Locality l, int port) {
        return new Host(new Address.Tcp("10.0.1.1", port), new InetSocketAddress("10.0.1.1", port), null, l, 1,
                ClusterLoadAssignment.HealthStatus.HEALTHY);
    }

    private static Map<Locality, Integer> shares(LbPolicy policy, boolean localityWeighted) {
        // A: one host, weight 3; B: three hosts, weight 1; C: one host, no weight.
        Host[] hosts = {host(A, 1), host(B, 2), host(B, 3), host(B, 4), host(C, 5)};
        LoadBalancingConfig lb = localityWeighted ? LoadBalancingConfig.DEFAULT.withLocalityWeighted()
                : LoadBalancingConfig.DEFAULT;
        HostSource.Picker picker = HostSource.of(hosts, hosts, policy, 2, lb, Map.of(A, 3, B, 1), 140, () -> 0)
                .newPicker();
        Map<Locality, Integer> counts = new HashMap<>();
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 40_000; i++) {
            counts.merge(picker.pick(random.nextLong(), 0).locality(), 1, Integer::sum);
        }
        return counts;
    }

    @Test
    void keysFollowTheLocalityWeights() {
        for (LbPolicy policy : new LbPolicy[] {LbPolicy.RING_HASH, LbPolicy.MAGLEV}) {
            Map<Locality, Integer> weighted = shares(policy, true);
            assertEquals(null, weighted.get(C), policy + ": a locality without weight takes no key");
            double a = weighted.get(A) / 40_000.0;
            assertTrue(Math.abs(a - 0.75) < 0.05, policy + ": locality a (weight 3 of 4) took " + a);
            // Without locality weighting every host counts alike: a holds one host of five.
            double plain = shares(policy, false).get(A) / 40_000.0;
            assertTrue(Math.abs(plain - 0.2) < 0.05, policy + ": unweighted, a took " + plain);
        }
    }
}
