package io.remora.extensions.filters.http.dynamic_forward_proxy;

import io.remora.http.filter.HttpFilterFactory;
import io.remora.http.filter.StreamFilterBase;
import io.remora.server.ServerContext;
import io.remora.upstream.DnsCache;

/** Makes each stream's filter; finds the filter's DNS cache once. */
final class DynamicForwardProxyFilterFactory implements HttpFilterFactory {

    final DynamicForwardProxyConfig config;
    /** Null when the server keeps no caches (a bare cluster manager): the filter then passes requests on. */
    final DnsCache cache;

    DynamicForwardProxyFilterFactory(DynamicForwardProxyConfig config, ServerContext context) {
        this.config = config;
        this.cache = context.clusterManager() == null ? null : context.clusterManager().dnsCache(config.dnsCache());
    }

    @Override
    public StreamFilterBase newFilter() {
        return new DynamicForwardProxyFilter(this);
    }

    static final class Provider implements HttpFilterFactory.Provider<DynamicForwardProxyConfig> {
        @Override
        public Class<DynamicForwardProxyConfig> configType() {
            return DynamicForwardProxyConfig.class;
        }

        @Override
        public HttpFilterFactory create(DynamicForwardProxyConfig config, ServerContext context) {
            return new DynamicForwardProxyFilterFactory(config, context);
        }
    }
}
