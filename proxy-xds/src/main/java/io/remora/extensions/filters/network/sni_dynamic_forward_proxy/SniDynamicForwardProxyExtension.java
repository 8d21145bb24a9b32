package io.remora.extensions.filters.network.sni_dynamic_forward_proxy;

import io.envoyproxy.envoy.extensions.filters.network.sni_dynamic_forward_proxy.v3.FilterConfig;
import io.remora.extensions.NetworkFilterExtension;
import io.remora.network.ConnectionFilterFactory;
import io.remora.server.ServerContext;
import io.remora.upstream.DnsCache;
import io.remora.xds.translate.DnsCacheConfigTranslator;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;

/**
 * {@code envoy.filters.network.sni_dynamic_forward_proxy}: before tcp_proxy to a dynamic forward
 * proxy cluster, the connection's SNI (from tls_inspector) is looked up in the DNS cache; the
 * connection waits for a first lookup.
 */
public final class SniDynamicForwardProxyExtension implements NetworkFilterExtension<SniDynamicForwardProxyConfig> {

    @Override
    public List<String> names() {
        return List.of(SniDynamicForwardProxyConfig.NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of("envoy.extensions.filters.network.sni_dynamic_forward_proxy.v3.FilterConfig");
    }

    @Override
    public SniDynamicForwardProxyConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            throw path.error("missing required field (dns_cache_config is required)");
        }
        FilterConfig c = config.unpack(FilterConfig.class, path);
        if (!c.hasDnsCacheConfig()) {
            throw path.field("dns_cache_config").error("missing required field");
        }
        if (c.getPortValue() < 1 || c.getPortValue() > 65535) {
            throw path.field("port_value").error("must be between 1 and 65535");
        }
        return new SniDynamicForwardProxyConfig(
                DnsCacheConfigTranslator.translate(c.getDnsCacheConfig(), path.field("dns_cache_config"), ctx),
                c.getPortValue(), c.getSaveUpstreamAddress());
    }

    @Override
    public ConnectionFilterFactory.Provider<SniDynamicForwardProxyConfig> runtime() {
        return new ConnectionFilterFactory.Provider<>() {
            @Override
            public Class<SniDynamicForwardProxyConfig> configType() {
                return SniDynamicForwardProxyConfig.class;
            }

            @Override
            public ConnectionFilterFactory create(SniDynamicForwardProxyConfig config, ServerContext context) {
                DnsCache cache = context.clusterManager() == null ? null
                        : context.clusterManager().dnsCache(config.dnsCache());
                return () -> new SniDynamicForwardProxyFilter(config, cache);
            }
        };
    }
}
