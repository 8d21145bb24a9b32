package io.remora.rbac;

import io.netty.util.NetUtil;
import io.remora.matching.CompiledCidr;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * The {@code envoy.stream.upstream_address} filter state as the upstream IP/port matcher reads
 * it: the dynamic forward proxy leaves {@code ip:port} text ({@code [v6]:port} for IPv6), other
 * code may leave a socket address. Read without building an address object per request.
 */
final class UpstreamAddresses {

    private static final Logger LOG = io.remora.log.Logging.logger("rbac");
    private static final AtomicLong MISSING = new AtomicLong();

    private UpstreamAddresses() {
    }

    /**
     * Whether o is an IP address and port inside cidr (null: any) and [portStart, portEnd]; a
     * value that is no address never matches.
     */
    static boolean matches(Object o, CompiledCidr cidr, long portStart, long portEnd) {
        byte[] ip;
        int port;
        if (o instanceof InetSocketAddress a) {
            if (a.getAddress() == null) {
                return false;
            }
            ip = a.getAddress().getAddress();
            port = a.getPort();
        } else if (o instanceof CharSequence cs) {
            String s = cs.toString();
            int colon = s.lastIndexOf(':');
            if (colon <= 0 || colon == s.length() - 1) {
                return false;
            }
            String host = s.charAt(0) == '[' && s.charAt(colon - 1) == ']' ? s.substring(1, colon - 1)
                    : s.substring(0, colon);
            ip = NetUtil.createByteArrayFromIpAddressString(host);
            try {
                port = Integer.parseInt(s, colon + 1, s.length(), 10);
            } catch (NumberFormatException e) {
                return false;
            }
            if (ip == null || port < 0 || port > 65535) {
                return false;
            }
        } else {
            return false;
        }
        if (cidr != null && !cidr.contains(ip)) {
            return false;
        }
        return port >= portStart && port <= portEnd;
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
