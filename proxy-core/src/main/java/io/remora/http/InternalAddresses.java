package io.remora.http;

import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * Envoy's address predicates for the connection manager ({@code Network::Utility}): narrower than
 * Java's, which take all of 127/8 as loopback and IPv6 site-local (fec0::/10) as private.
 */
final class InternalAddresses {

    private InternalAddresses() {
    }

    /**
     * Envoy's isInternalAddress, what {@code internal_address_config} without {@code cidr_ranges}
     * trusts: 10/8, 172.16/12, 192.168/16 and 127.0.0.1 alone; fd00::/8 (of RFC 4193's fc00::/7,
     * the locally assigned half) and ::1.
     */
    static boolean isDefaultInternal(InetAddress a) {
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            int b0 = b[0] & 0xff;
            int b1 = b[1] & 0xff;
            return b0 == 10 || (b0 == 192 && b1 == 168) || (b0 == 172 && b1 >= 16 && b1 <= 31) || isLoopback(a);
        }
        return (b[0] & 0xff) == 0xfd || isLoopback(a);
    }

    /** Envoy's isLoopbackAddress: the canonical 127.0.0.1 or ::1 only. */
    static boolean isLoopback(InetAddress a) {
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            return b[0] == 127 && b[1] == 0 && b[2] == 0 && b[3] == 1;
        }
        for (int i = 0; i < 15; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return b[15] == 1;
    }
}
