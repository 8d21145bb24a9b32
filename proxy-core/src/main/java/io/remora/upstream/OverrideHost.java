package io.remora.upstream;

import io.remora.config.ClusterLoadAssignment.HealthStatus;

import java.net.InetSocketAddress;

/**
 * Envoy's upstream override host: the host a filter (stateful session) asks the load balancer to
 * pick when the cluster has it and it may take traffic; {@code strict} fails the pick otherwise
 * instead of balancing. Left in the stream's filter state under {@link #FILTER_STATE_KEY}.
 */
public record OverrideHost(InetSocketAddress address, boolean strict) {
    public static final String FILTER_STATE_KEY = "remora.upstream_override_host";

    /**
     * The host of {@code hosts} at this address when its status is one of the cluster's
     * override_host_status (Envoy's default: UNKNOWN, HEALTHY, DEGRADED); null otherwise.
     */
    Host pick(java.util.List<Host> hosts, io.remora.config.LoadBalancingConfig lb) {
        for (Host h : hosts) {
            if (address.equals(h.address())) {
                return lb.overrideAllowed(status(h)) ? h : null;
            }
        }
        return null;
    }

    /**
     * Envoy's coarse host status: a failed active health check or outlier ejection makes an EDS
     * HEALTHY/UNKNOWN/DEGRADED host UNHEALTHY, a degraded one DEGRADED; otherwise its EDS status.
     */
    private static HealthStatus status(Host h) {
        HealthStatus eds = h.health() == null ? HealthStatus.UNKNOWN : h.health();
        return switch (eds) {
            case UNKNOWN, HEALTHY, DEGRADED -> !h.isHealthy() ? HealthStatus.UNHEALTHY
                    : h.isDegraded() ? HealthStatus.DEGRADED : eds;
            default -> eds;
        };
    }

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
