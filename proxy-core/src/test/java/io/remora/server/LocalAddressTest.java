package io.remora.server;

import org.junit.jupiter.api.Test;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalAddressTest {
    @Test
    void firstNonLoopbackAddressOfTheFamily() throws Exception {
        List<InetAddress> host = List.of(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("::1"),
                InetAddress.getByName("10.1.2.3"), InetAddress.getByName("fd00::7"), InetAddress.getByName("10.9.9.9"));
        assertEquals(InetAddress.getByName("10.1.2.3"), LocalAddress.pick(host, false));
        assertEquals(InetAddress.getByName("fd00::7"), LocalAddress.pick(host, true));
        assertNull(LocalAddress.pick(List.of(InetAddress.getByName("127.0.0.1")), false));
    }

    @Test
    void thisHostAnswersInTheFamilyAsked() {
        assertTrue(LocalAddress.of(false) instanceof Inet4Address);
        assertTrue(LocalAddress.of(true) instanceof Inet6Address);
    }
}
