package io.remora.rbac;

import io.netty.util.NetUtil;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * The {@code envoy.stream.upstream_address} filter state as the upstream IP/port matcher reads
 * it: the dynamic forward proxy leaves {@code ip:port} text ({@code [v6]:port} for IPv6), other
 * code may leave a socket address.
 */
final class UpstreamAddresses {

    private static final Logger LOG = io.remora.log.Logging.logger("rbac");
    private static final AtomicLong MISSING = new AtomicLong();

    private UpstreamAddresses() {
    }

    /** The address, or null when o is none (or not an IP and port). */
    static InetSocketAddress parse(Object o) {
        if (o instanceof InetSocketAddress a) {
            return a.getAddress() == null ? null : a;
        }
        if (!(o instanceof CharSequence cs)) {
            return null;
        }
        String s = cs.toString();
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            return null;
        }
        String host = s.charAt(0) == '[' && s.charAt(colon - 1) == ']' ? s.substring(1, colon - 1)
                : s.substring(0, colon);
        byte[] ip = NetUtil.createByteArrayFromIpAddressString(host);
        int port;
        try {
            port = Integer.parseInt(s, colon + 1, s.length(), 10);
        } catch (NumberFormatException e) {
            return null;
        }
        if (ip == null || port < 0 || port > 65535) {
            return null;
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(ip), port);
        } catch (java.net.UnknownHostException e) {
            return null;
        }
    }

    /** As Envoy, warns at every power of two of the misses: a misordered chain shows up without flooding the log. */
    static void missing() {
        long n = MISSING.incrementAndGet();
        if ((n & (n - 1)) == 0) {
            LOG.warning("Did not find filter state with key: " + RbacMatcher.UpstreamIpPort.FILTER_STATE_KEY
                    + ". Do you have a filter in the filter chain before the RBAC filter which populates the"
                    + " filter state with upstream addresses ? (" + n + " times)");
        }
    }
}
