package io.remora.extensions.filters.istio.stats;

import io.remora.config.NetworkFilterConfig;

/** {@code istio.stats} as a network filter: Istio's TCP connection and byte metrics. */
public record IstioTcpStatsConfig(String filterName, StatsPluginSettings settings) implements NetworkFilterConfig {
}
