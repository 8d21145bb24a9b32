package io.remora.config;

/**
 * A network filter of a filter chain. The terminal ones are {@link TcpProxyConfig} and
 * {@link HttpConnectionManagerConfig}; others (RBAC, ...) come with their own records.
 */
public interface NetworkFilterConfig {
    /** The filter's name as configured (e.g. {@code envoy.filters.network.tcp_proxy}). */
    String filterName();
}
