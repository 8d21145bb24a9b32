package io.remora.server;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;

/**
 * Envoy's local address ({@code --local-address-ip-version v4|v6}): the first non-loopback address of
 * that family on the host's interfaces, else the family's loopback. Envoy appends it to
 * {@code x-forwarded-for} for a request from a loopback peer when the connection manager uses the
 * remote address (the address the rest of the network knows this proxy by, not 127.0.0.1).
 */
public final class LocalAddress {
    private LocalAddress() {
    }

    public static InetAddress of(boolean ipv6) {
        try {
            List<NetworkInterface> interfaces = Collections.list(NetworkInterface.getNetworkInterfaces());
            interfaces.sort(Comparator.comparingInt(NetworkInterface::getIndex)); // the kernel's order, as getifaddrs
            List<InetAddress> candidates = new ArrayList<>();
            for (NetworkInterface ni : interfaces) {
                candidates.addAll(Collections.list(ni.getInetAddresses()));
            }
            InetAddress found = pick(candidates, ipv6);
            if (found != null) {
                return found;
            }
        } catch (SocketException | RuntimeException e) {
            // no interfaces to read: the loopback below, as Envoy falls back
        }
        return ipv6 ? InetAddress.getLoopbackAddress() instanceof Inet6Address l ? l : v6Loopback()
                : InetAddress.getLoopbackAddress() instanceof Inet4Address l4 ? l4 : v4Loopback();
    }

    /** The first address of the family that is not a loopback one; null if none. */
    static InetAddress pick(List<InetAddress> addresses, boolean ipv6) {
        for (InetAddress a : addresses) {
            if ((ipv6 ? a instanceof Inet6Address : a instanceof Inet4Address) && !a.isLoopbackAddress()) {
                return a;
            }
        }
        return null;
    }

    private static InetAddress v4Loopback() {
        return literal(new byte[] {127, 0, 0, 1});
    }

    private static InetAddress v6Loopback() {
        byte[] b = new byte[16];
        b[15] = 1;
        return literal(b);
    }

    private static InetAddress literal(byte[] b) {
        try {
            return InetAddress.getByAddress(b);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
