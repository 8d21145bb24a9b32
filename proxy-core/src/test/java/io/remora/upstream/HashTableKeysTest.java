package io.remora.upstream;

import io.remora.config.Address;
import io.remora.config.ClusterLoadAssignment;
import io.remora.config.LoadBalancingConfig;
import io.remora.upstream.lb.MaglevLoadBalancer;
import io.remora.upstream.lb.RingHashLoadBalancer;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * Where Envoy's consistent-hash tables put a host: Maglev fills its table in the order of the hosts'
 * keys (not the endpoints' order), a host's key is its {@code envoy.lb} {@code hash_key} when it has
 * one, and an IPv6 address is keyed as Envoy prints it. The expected tables are those of Envoy's own
 * Maglev tests (hosts 127.0.0.1:90..95, table size 7 or 17, request hash i picks slot i).
 */
class HashTableKeysTest {

    private static Host host(String ip, int port, int weight) {
        return new Host(new Address.Tcp(ip, port), new InetSocketAddress(ip, port), null,
                ClusterLoadAssignment.Locality.NONE, weight, ClusterLoadAssignment.HealthStatus.HEALTHY);
    }

    private static Host[] ports90to95() {
        Host[] hosts = new Host[6];
        for (int i = 0; i < 6; i++) {
            hosts[i] = host("127.0.0.1", 90 + i, 1);
        }
        return hosts;
    }

    private static double[] weightsOf(Host[] hosts) {
        double[] w = new double[hosts.length];
        for (int i = 0; i < hosts.length; i++) {
            w[i] = hosts[i].weight();
        }
        return w;
    }

    private static void assertTable(Host[] expectedOrder, int[] expected, MaglevLoadBalancer maglev) {
        for (int i = 0; i < 3 * expected.length; i++) {
            assertSame(expectedOrder[expected[i % expected.length]], maglev.chooseHost(i, 0), "hash " + i);
        }
    }

    @Test
    void maglevTableDoesNotDependOnTheEndpointOrder() {
        Host[] hosts = ports90to95();
        int[] envoys = {2, 4, 0, 1, 5, 0, 3};
        LoadBalancingConfig.Maglev seven = new LoadBalancingConfig.Maglev(7, false);
        List<Host> shuffled = new ArrayList<>(List.of(hosts));
        Collections.shuffle(shuffled, new Random(1));
        for (List<Host> order : List.of(List.of(hosts), shuffled, reversed(hosts))) {
            Host[] in = order.toArray(new Host[0]);
            MaglevLoadBalancer maglev = new MaglevLoadBalancer(in, weightsOf(in), seven);
            assertTable(hosts, envoys, maglev);
            assertEquals(1, maglev.minEntriesPerHost());
            assertEquals(2, maglev.maxEntriesPerHost());
        }
    }

    @Test
    void weightedMaglevTableAsEnvoys() {
        Host light = host("127.0.0.1", 90, 1);
        Host heavy = host("127.0.0.1", 91, 2);
        int[] envoys = {1, 0, 0, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 0, 1, 0, 1};
        Host[] byIndex = {light, heavy};
        // Listed heavy first: the table is still built light (key "127.0.0.1:90") first.
        MaglevLoadBalancer maglev = new MaglevLoadBalancer(new Host[] {heavy, light}, new double[] {2, 1},
                new LoadBalancingConfig.Maglev(17, false));
        assertTable(byIndex, envoys, maglev);
        assertEquals(6, maglev.minEntriesPerHost());
        assertEquals(11, maglev.maxEntriesPerHost());
    }

    @Test
    void anEndpointHashKeyPlacesTheHost() {
        Host[] hosts = ports90to95();
        for (int i = 0; i < hosts.length; i++) {
            hosts[i].lbMetadata(Map.of("hash_key", Integer.toString(90 + i)));
        }
        // Envoy's table for the keys "90".."95" (its hostname and hash_key tests).
        int[] envoys = {2, 5, 0, 3, 4, 1, 0};
        Host[] reversed = reversed(hosts).toArray(new Host[0]);
        assertTable(hosts, envoys, new MaglevLoadBalancer(reversed, weightsOf(reversed),
                new LoadBalancingConfig.Maglev(7, false)));
        assertTable(hosts, envoys, new MaglevLoadBalancer(reversed, weightsOf(reversed),
                new LoadBalancingConfig.Maglev(7, true)));

        // A ring keyed by hash_key is the ring of hosts whose address is that key: another address,
        // the same points.
        Host moved = host("10.9.9.9", 1234, 1);
        moved.lbMetadata(Map.of("hash_key", "127.0.0.1:90"));
        Host original = host("127.0.0.1", 90, 1);
        Host other = host("127.0.0.1", 91, 1);
        RingHashLoadBalancer byKey = new RingHashLoadBalancer(new Host[] {moved, other}, new double[] {1, 1},
                LoadBalancingConfig.RingHash.DEFAULT);
        RingHashLoadBalancer byAddress = new RingHashLoadBalancer(new Host[] {original, other}, new double[] {1, 1},
                LoadBalancingConfig.RingHash.DEFAULT);
        Random random = new Random(3);
        for (int i = 0; i < 2000; i++) {
            long h = random.nextLong();
            Host a = byAddress.chooseHost(h, 0);
            assertSame(a == original ? moved : other, byKey.chooseHost(h, 0));
        }
        // A hash_key that is not a string is not a key (Envoy reads string values only).
        Host numeric = host("127.0.0.1", 90, 1);
        numeric.lbMetadata(Map.of("hash_key", 7.0));
        RingHashLoadBalancer byNumeric = new RingHashLoadBalancer(new Host[] {numeric, other}, new double[] {1, 1},
                LoadBalancingConfig.RingHash.DEFAULT);
        for (int i = 0; i < 2000; i++) {
            long h = random.nextLong();
            assertSame(byAddress.chooseHost(h, 0) == original ? numeric : other, byNumeric.chooseHost(h, 0));
        }
    }

    @Test
    void anIpv6HostIsKeyedAsEnvoyPrintsIt() {
        Host v6 = host("2001:db8:0:0:0:0:0:1", 80, 1);
        assertEquals("[2001:db8::1]:80", v6.addressString());
        Host named = host("2001:db8::1", 80, 1);
        named.lbMetadata(Map.of("hash_key", "[2001:db8::1]:80"));
        Host other = host("2001:db8::2", 80, 1);
        MaglevLoadBalancer byAddress = new MaglevLoadBalancer(new Host[] {v6, other}, new double[] {1, 1},
                LoadBalancingConfig.Maglev.DEFAULT);
        MaglevLoadBalancer byKey = new MaglevLoadBalancer(new Host[] {named, other}, new double[] {1, 1},
                LoadBalancingConfig.Maglev.DEFAULT);
        for (long h = 0; h < 5000; h++) {
            assertSame(byAddress.chooseHost(h * 7919, 0) == v6 ? named : other, byKey.chooseHost(h * 7919, 0));
        }
    }

    private static List<Host> reversed(Host[] hosts) {
        List<Host> r = new ArrayList<>(List.of(hosts));
        Collections.reverse(r);
        return r;
    }
}
