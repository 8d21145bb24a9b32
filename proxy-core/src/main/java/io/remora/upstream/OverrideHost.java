package io.remora.upstream;

import java.net.InetSocketAddress;

/**
 * Envoy's upstream override host: the host a filter (stateful session) asks the load balancer to
 * pick when the cluster has it and it may take traffic; {@code strict} fails the pick otherwise
 * instead of balancing. Left in the stream's filter state under {@link #FILTER_STATE_KEY}.
 */
public record OverrideHost(InetSocketAddress address, boolean strict) {
    public static final String FILTER_STATE_KEY = "remora.upstream_override_host";
}
