package io.remora.upstream.lb;

import io.remora.config.LoadBalancingConfig;
import io.remora.upstream.Host;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * hash_balance_factor: a key stays on its host while that host is within its bound (factor/100
 * of the average, by weight), spills to a host with room past it, the same key always the same
 * way, and to the least loaded host when every one is over.
 */
class BoundedLoadHashLoadBalancerTest {

    private static long sum(Host[] hosts) {
        long s = 0;
        for (Host h : hosts) {
            s += h.activeRequests.get();
        }
        return s;
    }

    private static void boundedTables(Host[] hosts, double[] w, int factor, java.util.function.BiConsumer<HashLoadBalancer,
            HashLoadBalancer> check) {
        HashLoadBalancer ring = new RingHashLoadBalancer(hosts, w, LoadBalancingConfig.RingHash.DEFAULT);
        HashLoadBalancer maglev = new MaglevLoadBalancer(hosts, w, LoadBalancingConfig.Maglev.DEFAULT);
        check.accept(ring, new BoundedLoadHashLoadBalancer(ring, hosts, w, factor, () -> sum(hosts)));
        check.accept(maglev, new BoundedLoadHashLoadBalancer(maglev, hosts, w, factor, () -> sum(hosts)));
    }

    @Test
    void aHotKeyStaysUntilItsHostPassesTheBoundThenSpillsTheSameWayEachTime() {
        Host[] hosts = ConsistentHashTest.hosts(4);
        boundedTables(hosts, ConsistentHashTest.ones(4), 150, (plain, bounded) -> {
            long key = XxHash64.hash("hot-user");
            Host home = plain.chooseHost(key, 0);
            for (Host h : hosts) {
                h.activeRequests.set(0);
            }
            // 4 hosts, 150%: with n active requests in all, a host holds ceil(ceil((n+1)*1.5)/4).
            // 2 on the home host, none elsewhere: ceil(ceil(3*1.5)/4) = 2 slots, within.
            home.activeRequests.set(2);
            assertSame(home, bounded.chooseHost(key, 0));
            // 3 on it: 3 > ceil(ceil(4*1.5)/4) = 2, over: another host takes the key.
            home.activeRequests.set(3);
            Host spill = bounded.chooseHost(key, 0);
            assertNotSame(home, spill);
            for (int i = 0; i < 20; i++) {
                assertSame(spill, bounded.chooseHost(key, 0), "the same key spills the same way");
            }
            home.activeRequests.set(0);
        });
    }

    @Test
    void spillsGoWhereThereIsRoomAndToTheLeastLoadedWhenNoneHasAny() {
        Host[] hosts = ConsistentHashTest.hosts(3);
        boundedTables(hosts, ConsistentHashTest.ones(3), 100, (plain, bounded) -> {
            long key = XxHash64.hash("k");
            Host home = plain.chooseHost(key, 0);
            Host[] others = Arrays.stream(hosts).filter(h -> h != home).toArray(Host[]::new);
            // 12 in all: every host holds ceil(13/3) = 5; home 6 and one other 6 are over.
            home.activeRequests.set(6);
            others[0].activeRequests.set(6);
            others[1].activeRequests.set(0);
            assertSame(others[1], bounded.chooseHost(key, 0));
            // 77 in all: ceil(78/3) = 26 slots; home and others[1] are over, others[0] is within.
            home.activeRequests.set(30);
            others[0].activeRequests.set(20);
            others[1].activeRequests.set(27);
            assertSame(others[0], bounded.chooseHost(key, 0));
            for (Host h : hosts) {
                h.activeRequests.set(0);
            }
        });
    }

    @Test
    void theLeastOverloadedHostTakesTheKeyWhenEveryHostIsOverItsBound() {
        Host[] hosts = ConsistentHashTest.hosts(3);
        // Weights 1:1:2 and the cluster's active requests counted elsewhere as 0 (a supplier that
        // says so): every host holds max(1, ceil(1 × w)) = 1 slot, so 2+ requests are over.
        double[] w = {1, 1, 2};
        HashLoadBalancer ring = new RingHashLoadBalancer(hosts, w, LoadBalancingConfig.RingHash.DEFAULT);
        HashLoadBalancer bounded = new BoundedLoadHashLoadBalancer(ring, hosts, w, 100, () -> 0);
        hosts[0].activeRequests.set(5);
        hosts[1].activeRequests.set(3);
        hosts[2].activeRequests.set(4);
        Set<Host> picked = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            picked.add(bounded.chooseHost(XxHash64.hash("key-" + i), 0));
        }
        assertEquals(Set.of(hosts[1]), picked, "every key goes to the least overloaded host");
    }

    @Test
    void withinTheBoundTheTableDecidesAsWithoutIt() {
        Host[] hosts = ConsistentHashTest.hosts(5);
        boundedTables(hosts, ConsistentHashTest.ones(5), 200, (plain, bounded) -> {
            for (int i = 0; i < 2_000; i++) {
                long key = XxHash64.hash("user-" + i);
                assertSame(plain.chooseHost(key, 0), bounded.chooseHost(key, 0));
            }
        });
    }

    @Test
    void theGeneratorIsCppsMt19937() {
        // The C++ standard's check of std::mt19937: default seed 5489, 10000th output 4123659995.
        Mt19937 standard = new Mt19937(5489);
        assertEquals(3499211612L, standard.next());
        long last = 0;
        for (int i = 2; i <= 10_000; i++) {
            last = standard.next();
        }
        assertEquals(4123659995L, last);
    }

    /** A table that sends hash h to the h-th host of its list, as Envoy's bounded-load tests build theirs. */
    private static HashLoadBalancer byIndex(Host... ring) {
        return (hash, attempt) -> ring[(int) hash];
    }

    @Test
    void anOverloadedHostSpillsAlongEnvoysWalk() {
        // Envoy's bounded-load tests: with 5 hosts the walk seeded with 2 is 2 1 0 4 3, with 6 it is
        // 4 0 2 3 1 and with 7 it is 0 1 4 3 2. A host with 2 active requests is over its bound (1 slot).
        Host[] hosts = ConsistentHashTest.hosts(5);
        double[] w = ConsistentHashTest.ones(5);
        BoundedLoadHashLoadBalancer lb = new BoundedLoadHashLoadBalancer(byIndex(hosts), hosts, w, 100, () -> 0);
        hosts[2].activeRequests.set(2);
        assertSame(hosts[1], lb.chooseHost(2, 0), "2 is over: the walk's next host, 1");
        hosts[1].activeRequests.set(2);
        hosts[0].activeRequests.set(2);
        assertSame(hosts[4], lb.chooseHost(2, 0), "2, 1 and 0 are over: 4");
        Arrays.stream(hosts).forEach(h -> h.activeRequests.set(0));

        // Each host twice on the ring: hashes 6 and 7 both land on host 3, and spill differently.
        Host[] ring = new Host[10];
        for (int i = 0; i < 10; i++) {
            ring[i] = hosts[i / 2];
        }
        BoundedLoadHashLoadBalancer doubled = new BoundedLoadHashLoadBalancer(byIndex(ring), hosts, w, 100, () -> 0);
        hosts[3].activeRequests.set(2);
        assertSame(hosts[4], doubled.chooseHost(6, 0));
        assertSame(hosts[0], doubled.chooseHost(7, 0));
        hosts[3].activeRequests.set(0);
    }
}
