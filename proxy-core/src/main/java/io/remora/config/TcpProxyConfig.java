package io.remora.config;

import java.time.Duration;
import java.util.List;

/**
 * {@code envoy.filters.network.tcp_proxy}.
 *
 * @param idleTimeout Duration.ZERO disables; Envoy's default is 1 hour
 * @param maxConnectAttempts total connect attempts (default 1)
 */
public record TcpProxyConfig(
        String statPrefix,
        ClusterSpecifier cluster,
        Duration idleTimeout,
        int maxConnectAttempts,
        List<AccessLogConfig> accessLogs) implements NetworkFilterConfig {

    public static final String NAME = "envoy.filters.network.tcp_proxy";

    @Override
    public String filterName() {
        return NAME;
    }
}
