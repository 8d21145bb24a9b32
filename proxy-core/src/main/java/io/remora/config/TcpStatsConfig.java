package io.remora.config;

import java.time.Duration;

/**
 * The {@code envoy.transport_sockets.tcp_stats} socket around a cluster's or a filter chain's
 * transport socket: the kernel's TCP_INFO of each connection counts in the scope's
 * {@code tcp_stats.*}, when it closes and, with an update period, every period while it is open.
 *
 * @param updatePeriod {@code update_period}, or null: read only when the connection closes
 */
public record TcpStatsConfig(Duration updatePeriod) {
}
