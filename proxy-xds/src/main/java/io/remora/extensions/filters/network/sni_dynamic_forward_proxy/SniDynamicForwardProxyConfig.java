package io.remora.extensions.filters.network.sni_dynamic_forward_proxy;

import io.remora.config.DnsCacheConfig;
import io.remora.config.NetworkFilterConfig;

/**
 * {@code envoy.filters.network.sni_dynamic_forward_proxy}'s {@code FilterConfig}.
 *
 * @param dnsCache            the cache the SNI is looked up in
 * @param port                {@code port_value}: the upstream port, unless the filter state names one
 * @param saveUpstreamAddress {@code save_upstream_address}
 */
record SniDynamicForwardProxyConfig(DnsCacheConfig dnsCache, int port, boolean saveUpstreamAddress)
        implements NetworkFilterConfig {

    static final String NAME = "envoy.filters.network.sni_dynamic_forward_proxy";

    @Override
    public String filterName() {
        return NAME;
    }
}
