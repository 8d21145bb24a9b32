package io.remora.extensions.filters.istio.alpn;

import io.remora.config.HttpFilterConfig;

import java.util.List;
import java.util.Map;

/**
 * Istio's {@code istio.alpn} ({@code istio.envoy.config.filter.http.alpn.v2alpha1.FilterConfig}):
 * the ALPN to offer upstream per upstream HTTP protocol ("HTTP10", "HTTP11", "HTTP2").
 */
public record AlpnOverrideConfig(String filterName, Map<String, List<String>> overrides) implements HttpFilterConfig {

    public AlpnOverrideConfig {
        overrides = Map.copyOf(overrides);
    }
}
