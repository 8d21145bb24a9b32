package io.remora.config;

import java.time.Duration;
import java.util.List;

/**
 * {@code envoy.filters.network.tcp_proxy}.
 *
 * @param idleTimeout Duration.ZERO disables; Envoy's default is 1 hour
 * @param maxConnectAttempts total connect attempts (default 1)
 * @param tunneling   {@code tunneling_config}, or null: a TCP connection to the host
 * @param maxDownstreamConnectionDuration {@code max_downstream_connection_duration}: a session this
 *                    old is closed; null for none
 * @param hashPolicies {@code hash_policy}: what a RING_HASH or MAGLEV cluster hashes (the
 *                    downstream's source IP, or a filter state object); empty for none
 */
public record TcpProxyConfig(
        String statPrefix,
        ClusterSpecifier cluster,
        Duration idleTimeout,
        int maxConnectAttempts,
        List<AccessLogConfig> accessLogs,
        TunnelingConfig tunneling,
        Duration maxDownstreamConnectionDuration,
        List<HashPolicy> hashPolicies,
        AccessLogOptions accessLogOptions) implements NetworkFilterConfig {

    public TcpProxyConfig {
        hashPolicies = hashPolicies == null ? List.of() : List.copyOf(hashPolicies);
        accessLogOptions = accessLogOptions == null ? AccessLogOptions.NONE : accessLogOptions;
    }

    public TcpProxyConfig(String statPrefix, ClusterSpecifier cluster, Duration idleTimeout, int maxConnectAttempts,
                          List<AccessLogConfig> accessLogs, TunnelingConfig tunneling) {
        this(statPrefix, cluster, idleTimeout, maxConnectAttempts, accessLogs, tunneling, null, List.of(), null);
    }

    /** A plain TCP relay (no tunneling_config). */
    public TcpProxyConfig(String statPrefix, ClusterSpecifier cluster, Duration idleTimeout, int maxConnectAttempts,
                          List<AccessLogConfig> accessLogs) {
        this(statPrefix, cluster, idleTimeout, maxConnectAttempts, accessLogs, null);
    }

    public static final String NAME = "envoy.filters.network.tcp_proxy";

    /**
     * Connection filter state naming the cluster for this connection over the configured one
     * (Envoy's PerConnectionCluster: set by sni_cluster or set_filter_state).
     */
    public static final String PER_CONNECTION_CLUSTER = "envoy.tcp_proxy.cluster";

    @Override
    public String filterName() {
        return NAME;
    }
}
