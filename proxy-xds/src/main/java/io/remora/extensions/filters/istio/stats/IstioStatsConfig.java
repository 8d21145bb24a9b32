package io.remora.extensions.filters.istio.stats;

import io.remora.config.HttpFilterConfig;

/** {@code istio.stats} as an HTTP filter: Istio's request metrics. */
public record IstioStatsConfig(String filterName, StatsPluginSettings settings) implements HttpFilterConfig {
}
