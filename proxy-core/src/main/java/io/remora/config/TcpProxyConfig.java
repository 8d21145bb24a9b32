package io.remora.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

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
 * @param metadataMatch {@code metadata_match}'s {@code envoy.lb} criteria for a cluster with subset
 *                    load balancing (a weighted entry's own are merged over them); null for none
 * @param connectBackoff {@code backoff_options}: the wait before each connect retry; null retries at once
 * @param proxyProtocolTlvs {@code proxy_protocol_tlvs}: TLVs of the PROXY data this filter makes
 *                    when the connection has none (no proxy_protocol listener filter read a header)
 * @param onDemandTimeout {@code on_demand}: a cluster not known is asked for on demand (ODCDS) and waited
 *                    for this long; null: the connection closes at once, as with no route
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
        AccessLogOptions accessLogOptions,
        Map<String, Object> metadataMatch,
        BackoffStrategy connectBackoff,
        List<ProxyProtocolTlv> proxyProtocolTlvs,
        Duration onDemandTimeout) implements NetworkFilterConfig {

    public TcpProxyConfig {
        hashPolicies = hashPolicies == null ? List.of() : List.copyOf(hashPolicies);
        accessLogOptions = accessLogOptions == null ? AccessLogOptions.NONE : accessLogOptions;
        metadataMatch = metadataMatch == null || metadataMatch.isEmpty() ? null : Map.copyOf(metadataMatch);
        proxyProtocolTlvs = proxyProtocolTlvs == null ? List.of() : List.copyOf(proxyProtocolTlvs);
    }

    public TcpProxyConfig(String statPrefix, ClusterSpecifier cluster, Duration idleTimeout, int maxConnectAttempts,
                          List<AccessLogConfig> accessLogs, TunnelingConfig tunneling) {
        this(statPrefix, cluster, idleTimeout, maxConnectAttempts, accessLogs, tunneling, null, List.of(), null, null,
                null, List.of(), null);
    }

    /** A plain TCP relay (no tunneling_config). */
    public TcpProxyConfig(String statPrefix, ClusterSpecifier cluster, Duration idleTimeout, int maxConnectAttempts,
                          List<AccessLogConfig> accessLogs) {
        this(statPrefix, cluster, idleTimeout, maxConnectAttempts, accessLogs, null);
    }

    public static final String NAME = "envoy.filters.network.tcp_proxy";

    /** Envoy's defaults: one connect attempt, a 1 hour idle timeout. */
    public static Builder builder(String statPrefix, ClusterSpecifier cluster) {
        return new Builder(statPrefix, cluster);
    }

    /** Builds a {@link TcpProxyConfig}; unset fields keep Envoy's defaults. */
    public static final class Builder {
        private final String statPrefix;
        private final ClusterSpecifier cluster;
        private Duration idleTimeout = Duration.ofHours(1);
        private int maxConnectAttempts = 1;
        private List<AccessLogConfig> accessLogs = List.of();
        private TunnelingConfig tunneling;
        private Duration maxDownstreamConnectionDuration;
        private List<HashPolicy> hashPolicies = List.of();
        private AccessLogOptions accessLogOptions = AccessLogOptions.NONE;
        private Map<String, Object> metadataMatch;
        private BackoffStrategy connectBackoff;
        private List<ProxyProtocolTlv> proxyProtocolTlvs = List.of();
        private Duration onDemandTimeout;

        private Builder(String statPrefix, ClusterSpecifier cluster) {
            this.statPrefix = statPrefix;
            this.cluster = cluster;
        }

        public Builder idleTimeout(Duration v) {
            idleTimeout = v;
            return this;
        }

        public Builder maxConnectAttempts(int v) {
            maxConnectAttempts = v;
            return this;
        }

        public Builder accessLogs(List<AccessLogConfig> v) {
            accessLogs = v;
            return this;
        }

        public Builder tunneling(TunnelingConfig v) {
            tunneling = v;
            return this;
        }

        public Builder maxDownstreamConnectionDuration(Duration v) {
            maxDownstreamConnectionDuration = v;
            return this;
        }

        public Builder hashPolicies(List<HashPolicy> v) {
            hashPolicies = v;
            return this;
        }

        public Builder accessLogOptions(AccessLogOptions v) {
            accessLogOptions = v;
            return this;
        }

        public Builder metadataMatch(Map<String, Object> v) {
            metadataMatch = v;
            return this;
        }

        public Builder connectBackoff(BackoffStrategy v) {
            connectBackoff = v;
            return this;
        }

        public Builder proxyProtocolTlvs(List<ProxyProtocolTlv> v) {
            proxyProtocolTlvs = v;
            return this;
        }

        /** {@code on_demand}: how long a connection waits for its cluster discovered on demand; null: not asked. */
        public Builder onDemandTimeout(Duration v) {
            onDemandTimeout = v;
            return this;
        }

        public TcpProxyConfig build() {
            return new TcpProxyConfig(statPrefix, cluster, idleTimeout, maxConnectAttempts, accessLogs, tunneling,
                    maxDownstreamConnectionDuration, hashPolicies, accessLogOptions, metadataMatch, connectBackoff,
                    proxyProtocolTlvs, onDemandTimeout);
        }
    }

    /**
     * Connection filter state naming the cluster for this connection over the configured one
     * (Envoy's PerConnectionCluster: set by sni_cluster or set_filter_state).
     */
    public static final String PER_CONNECTION_CLUSTER = "envoy.tcp_proxy.cluster";

    /**
     * Connection filter state overriding idle_timeout for this connection, in milliseconds (Envoy's
     * UInt64Accessor, set by set_filter_state); 0 is a timeout of no time, not none, as Envoy arms it.
     */
    public static final String PER_CONNECTION_IDLE_TIMEOUT_MS = "envoy.tcp_proxy.per_connection_idle_timeout_ms";

    /** Connection filter state (Envoy's BoolAccessor, "true" is true) making tcp_proxy skip its tunneling_config. */
    public static final String DISABLE_TUNNELING = "envoy.tcp_proxy.disable_tunneling";

    @Override
    public String filterName() {
        return NAME;
    }
}
