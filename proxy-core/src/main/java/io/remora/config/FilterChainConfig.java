package io.remora.config;

import java.util.List;

/**
 * {@code config.listener.v3.FilterChain}: a match and the network filters, the last of which is
 * terminal ({@link TcpProxyConfig} or {@link HttpConnectionManagerConfig}).
 *
 * @param transportSocket TLS settings for downstream, or null for raw TCP
 */
public record FilterChainConfig(
        String name,
        FilterChainMatch match,
        List<NetworkFilterConfig> filters,
        TransportSocketConfig transportSocket) {

    public NetworkFilterConfig terminalFilter() {
        return filters.get(filters.size() - 1);
    }
}
