package io.remora.upstream;

import io.remora.config.HappyEyeballsConfig;
import io.remora.config.HappyEyeballsConfig.Family;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The order Envoy's HappyEyeballsConnectionProvider::sortAddresses gives a host's addresses. */
class HappyEyeballsOrderTest {
    static final SocketAddress V4_1 = a("127.0.0.1"), V4_2 = a("127.0.0.2"), V4_3 = a("127.0.0.3");
    static final SocketAddress V6_1 = a("::1"), V6_2 = a("::2"), V6_3 = a("::3");

    static SocketAddress a(String ip) {
        return new InetSocketAddress(ip, 80);
    }

    @Test
    void oneFamilyKeepsItsOrder() {
        assertEquals(List.of(V4_1, V4_2, V4_3), HappyEyeballsOrder.sort(List.of(V4_1, V4_2, V4_3), HappyEyeballsConfig.DEFAULT));
        assertEquals(List.of(V6_2, V6_1), HappyEyeballsOrder.sort(List.of(V6_2, V6_1), HappyEyeballsConfig.DEFAULT));
    }

    @Test
    void byDefaultThePrimarysFamilyLeadsAndFamiliesAlternate() {
        assertEquals(List.of(V6_1, V4_1, V6_2, V4_2, V4_3),
                HappyEyeballsOrder.sort(List.of(V6_1, V6_2, V4_1, V4_2, V4_3), HappyEyeballsConfig.DEFAULT));
        assertEquals(List.of(V4_1, V6_1, V4_2, V6_2),
                HappyEyeballsOrder.sort(List.of(V4_1, V4_2, V6_1, V6_2), HappyEyeballsConfig.DEFAULT));
    }

    @Test
    void aConfiguredFamilyLeadsWithItsCount() {
        assertEquals(List.of(V4_1, V4_2, V6_1, V4_3, V6_2, V6_3),
                HappyEyeballsOrder.sort(List.of(V6_1, V6_2, V6_3, V4_1, V4_2, V4_3), new HappyEyeballsConfig(Family.V4, 2)));
        assertEquals(List.of(V6_1, V4_1, V6_2, V4_2),
                HappyEyeballsOrder.sort(List.of(V4_1, V4_2, V6_1, V6_2), new HappyEyeballsConfig(Family.V6, 1)));
    }

    @Test
    void aPreferredFamilyWithoutAddressesChangesNothing() {
        assertEquals(List.of(V4_1, V4_2), HappyEyeballsOrder.sort(List.of(V4_1, V4_2), new HappyEyeballsConfig(Family.V6, 3)));
    }
}
