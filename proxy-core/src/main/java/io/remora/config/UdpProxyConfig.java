package io.remora.config;

import java.time.Duration;

/**
 * {@code envoy.extensions.filters.udp.udp_proxy.v3.UdpProxyConfig}: one session per downstream
 * peer, relayed over a connected socket of its own to a host of the routed cluster.
 *
 * @param cluster                 {@code cluster}: every datagram goes there; null when {@link #matcher} routes
 * @param matcher                 {@code matcher}: its actions name clusters; null when {@link #cluster} is set
 * @param idleTimeout             {@code idle_timeout}: a session without a datagram either way for this long ends
 * @param perPacketLoadBalancing  {@code use_per_packet_load_balancing}: a host picked for every datagram
 * @param hashSourceIp            a {@code hash_policies} entry with {@code source_ip}
 * @param hashKey                 a {@code hash_policies} entry with {@code key}; null when none
 * @param upstreamMaxRxDatagramSize {@code upstream_socket_config.max_rx_datagram_size}: larger replies are dropped
 * @param sessionAccessLogs       {@code access_log}: one entry per session as it ends
 * @param proxyAccessLogs         {@code proxy_access_log}: one entry per listener socket as it closes
 */
public record UdpProxyConfig(String statPrefix, String cluster, UnifiedMatcher<String> matcher,
                             Duration idleTimeout, boolean perPacketLoadBalancing, boolean hashSourceIp,
                             String hashKey, int upstreamMaxRxDatagramSize, java.util.List<AccessLogConfig> sessionAccessLogs,
                             java.util.List<AccessLogConfig> proxyAccessLogs)
        implements UdpListenerFilterConfig {

    /** Envoy's default for both sockets' max_rx_datagram_size. */
    public static final int DEFAULT_MAX_RX_DATAGRAM_SIZE = 1500;

    public UdpProxyConfig {
        if ((cluster == null) == (matcher == null)) {
            throw new IllegalArgumentException("exactly one of cluster and matcher");
        }
        sessionAccessLogs = sessionAccessLogs == null ? java.util.List.of() : java.util.List.copyOf(sessionAccessLogs);
        proxyAccessLogs = proxyAccessLogs == null ? java.util.List.of() : java.util.List.copyOf(proxyAccessLogs);
    }

    public static Builder builder(String statPrefix) {
        return new Builder(statPrefix);
    }

    /** Defaults as Envoy's: 60 s idle timeout, sticky sessions, no hashing, 1500-byte datagrams. */
    public static final class Builder {
        private final String statPrefix;
        private String cluster;
        private UnifiedMatcher<String> matcher;
        private Duration idleTimeout = Duration.ofSeconds(60);
        private boolean perPacketLoadBalancing;
        private boolean hashSourceIp;
        private String hashKey;
        private int upstreamMaxRxDatagramSize = DEFAULT_MAX_RX_DATAGRAM_SIZE;
        private java.util.List<AccessLogConfig> sessionAccessLogs = java.util.List.of();
        private java.util.List<AccessLogConfig> proxyAccessLogs = java.util.List.of();

        private Builder(String statPrefix) {
            this.statPrefix = statPrefix;
        }

        public Builder cluster(String v) {
            cluster = v;
            return this;
        }

        public Builder matcher(UnifiedMatcher<String> v) {
            matcher = v;
            return this;
        }

        public Builder idleTimeout(Duration v) {
            idleTimeout = v;
            return this;
        }

        public Builder perPacketLoadBalancing(boolean v) {
            perPacketLoadBalancing = v;
            return this;
        }

        public Builder hashSourceIp(boolean v) {
            hashSourceIp = v;
            return this;
        }

        public Builder hashKey(String v) {
            hashKey = v;
            return this;
        }

        public Builder upstreamMaxRxDatagramSize(int v) {
            upstreamMaxRxDatagramSize = v;
            return this;
        }

        public Builder sessionAccessLogs(java.util.List<AccessLogConfig> v) {
            sessionAccessLogs = v;
            return this;
        }

        public Builder proxyAccessLogs(java.util.List<AccessLogConfig> v) {
            proxyAccessLogs = v;
            return this;
        }

        public UdpProxyConfig build() {
            return new UdpProxyConfig(statPrefix, cluster, matcher, idleTimeout, perPacketLoadBalancing,
                    hashSourceIp, hashKey, upstreamMaxRxDatagramSize, sessionAccessLogs, proxyAccessLogs);
        }
    }
}
