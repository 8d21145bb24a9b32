package io.remora.config;

import java.time.Duration;
import java.util.List;

/**
 * {@code config.listener.v3.FilterChain}: a match and the network filters, the last of which is
 * terminal ({@link TcpProxyConfig} or {@link HttpConnectionManagerConfig}). A chain may have no
 * filters at all: its connections are closed as soon as they are accepted, as Envoy does.
 *
 * @param transportSocket TLS settings for downstream, or null for raw TCP
 * @param transportSocketConnectTimeout {@code transport_socket_connect_timeout}: how long an
 *                        accepted connection may take to finish its transport socket's handshake
 *                        before it is closed; null or zero for no limit
 * @param socketTap       the tap transport socket around {@code transportSocket} (raw when that is
 *                        null), or null
 * @param tcpStats        the tcp_stats socket around the chain's transport socket, or null
 */
public record FilterChainConfig(
        String name,
        FilterChainMatch match,
        List<NetworkFilterConfig> filters,
        TransportSocketConfig transportSocket,
        Duration transportSocketConnectTimeout,
        io.remora.network.SocketTap.Config socketTap,
        TcpStatsConfig tcpStats) {

    /** Without a tcp_stats transport socket. */
    public FilterChainConfig(String name, FilterChainMatch match, List<NetworkFilterConfig> filters,
                             TransportSocketConfig transportSocket, Duration transportSocketConnectTimeout,
                             io.remora.network.SocketTap.Config socketTap) {
        this(name, match, filters, transportSocket, transportSocketConnectTimeout, socketTap, null);
    }

    /** Without a tap transport socket. */
    public FilterChainConfig(String name, FilterChainMatch match, List<NetworkFilterConfig> filters,
                             TransportSocketConfig transportSocket, Duration transportSocketConnectTimeout) {
        this(name, match, filters, transportSocket, transportSocketConnectTimeout, null);
    }

    /** Without a transport_socket_connect_timeout. */
    public FilterChainConfig(String name, FilterChainMatch match, List<NetworkFilterConfig> filters,
                             TransportSocketConfig transportSocket) {
        this(name, match, filters, transportSocket, null);
    }

    /** The last filter, or null when the chain has none. */
    public NetworkFilterConfig terminalFilter() {
        return filters.isEmpty() ? null : filters.get(filters.size() - 1);
    }
}
