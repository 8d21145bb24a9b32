package io.remora.extensions.filters.http.dynamic_forward_proxy;

import io.remora.config.DnsCacheConfig;
import io.remora.config.HttpFilterConfig;

/**
 * {@code envoy.filters.http.dynamic_forward_proxy}'s {@code FilterConfig}.
 *
 * @param dnsCache            the cache the request's host is looked up in
 * @param saveUpstreamAddress {@code save_upstream_address}: the address found goes to the
 *                            filter state {@code envoy.stream.upstream_address}
 */
record DynamicForwardProxyConfig(DnsCacheConfig dnsCache, boolean saveUpstreamAddress) implements HttpFilterConfig {

    static final String NAME = "envoy.filters.http.dynamic_forward_proxy";

    @Override
    public String filterName() {
        return NAME;
    }
}
