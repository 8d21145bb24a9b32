package io.remora.upstream;

import java.net.InetSocketAddress;

/**
 * Envoy's upstream override host: the host a filter (stateful session) asks the load balancer to
 * pick when the cluster has it and it may take traffic; {@code strict} fails the pick otherwise
 * instead of balancing. Left in the stream's filter state under {@link #FILTER_STATE_KEY}.
 */
public record OverrideHost(InetSocketAddress address, boolean strict) {
    public static final String FILTER_STATE_KEY = "remora.upstream_override_host";

    /** An "ip:port" ("[v6]:port") address, or null when it is not one. */
    public static InetSocketAddress parse(String s) {
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            return null;
        }
        String ip = s.substring(0, colon);
        if (ip.startsWith("[") && ip.endsWith("]")) {
            ip = ip.substring(1, ip.length() - 1);
        }
        java.net.InetAddress literal = io.netty.util.NetUtil.createInetAddressFromIpAddressString(ip);
        if (literal == null) {
            return null;
        }
        try {
            int port = Integer.parseInt(s.substring(colon + 1));
            return port < 0 || port > 65535 ? null : new InetSocketAddress(literal, port);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
