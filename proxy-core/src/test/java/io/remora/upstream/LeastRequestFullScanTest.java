package io.remora.upstream;

import io.remora.config.Address;
import io.remora.config.ClusterConfig.LbPolicy;
import io.remora.config.ClusterLoadAssignment;
import io.remora.config.LoadBalancingConfig;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** selection_method FULL_SCAN: the least loaded host always wins; ties are shared evenly. */
class LeastRequestFullScanTest {

    private static Host[] hosts(int n) {
        Host[] h = new Host[n];
        for (int i = 0; i < n; i++) {
            h[i] = new Host(new Address.Tcp("10.0.0.3", 30_000 + i), new InetSocketAddress("10.0.0.3", 30_000 + i),
                    null, ClusterLoadAssignment.Locality.NONE, 1, ClusterLoadAssignment.HealthStatus.HEALTHY);
        }
        return h;
    }

    private static LoadBalancer balancer(Host[] hosts, boolean fullScan) {
        return LoadBalancer.factory(LbPolicy.LEAST_REQUEST, hosts, 2,
                LoadBalancingConfig.DEFAULT.withLeastRequestFullScan(fullScan)).newInstance();
    }

    @Test
    void theOnlyIdleHostOfManyIsAlwaysPicked() {
        Host[] hosts = hosts(16);
        for (Host h : hosts) {
            h.activeRequests.set(5);
        }
        hosts[11].activeRequests.set(4);
        LoadBalancer scan = balancer(hosts, true);
        for (int i = 0; i < 1_000; i++) {
            assertSame(hosts[11], scan.pick());
        }
        // Two random choices out of 16 miss it most of the time: the scan is what finds it.
        LoadBalancer twoChoices = balancer(hosts, false);
        int found = 0;
        for (int i = 0; i < 1_000; i++) {
            found += twoChoices.pick() == hosts[11] ? 1 : 0;
        }
        assertTrue(found < 300, "power of two choices found the idle host " + found + " times of 1000");
    }

    @Test
    void tiedHostsShareThePicksEvenly() {
        Host[] hosts = hosts(4);
        hosts[0].activeRequests.set(3);
        LoadBalancer scan = balancer(hosts, true);
        Map<Host, Integer> counts = new HashMap<>();
        int n = 30_000;
        for (int i = 0; i < n; i++) {
            counts.merge(scan.pick(), 1, Integer::sum);
        }
        assertEquals(null, counts.get(hosts[0]), "the busy host is never the least loaded");
        for (int i = 1; i < 4; i++) {
            int c = counts.get(hosts[i]);
            assertTrue(Math.abs(c - n / 3) < n / 30, "host " + i + " got " + c + " of " + n);
        }
    }
}
