package io.remora.extensions.filters.http.dynamic_forward_proxy;

import io.envoyproxy.envoy.extensions.filters.http.dynamic_forward_proxy.v3.FilterConfig;
import io.envoyproxy.envoy.extensions.filters.http.dynamic_forward_proxy.v3.PerRouteConfig;
import io.remora.config.RouteFilterConfig;
import io.remora.extensions.HttpFilterExtension;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.xds.translate.DnsCacheConfigTranslator;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;
import java.util.Locale;

/** {@code envoy.filters.http.dynamic_forward_proxy}: the request's host looked up for a dynamic forward proxy cluster. */
public final class DynamicForwardProxyExtension implements HttpFilterExtension<DynamicForwardProxyConfig> {

    static final String TYPE = "envoy.extensions.filters.http.dynamic_forward_proxy.v3.FilterConfig";
    static final String PER_ROUTE_TYPE = "envoy.extensions.filters.http.dynamic_forward_proxy.v3.PerRouteConfig";

    @Override
    public List<String> names() {
        return List.of(DynamicForwardProxyConfig.NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of(TYPE);
    }

    @Override
    public List<String> perRouteConfigTypes() {
        return List.of(PER_ROUTE_TYPE);
    }

    @Override
    public DynamicForwardProxyConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            throw path.error("missing required field (dns_cache_config is required)");
        }
        FilterConfig c = config.unpack(FilterConfig.class, path);
        if (c.hasSubClusterConfig()) {
            throw path.field("sub_cluster_config").error("sub clusters are not supported by Remora");
        }
        if (!c.hasDnsCacheConfig()) {
            throw path.field("dns_cache_config").error("missing required field");
        }
        return new DynamicForwardProxyConfig(
                DnsCacheConfigTranslator.translate(c.getDnsCacheConfig(), path.field("dns_cache_config"), ctx),
                c.getSaveUpstreamAddress());
    }

    @Override
    public RouteFilterConfig translatePerRoute(TypedConfig config, FieldPath path, TranslationContext ctx) {
        PerRouteConfig c = config.unpack(PerRouteConfig.class, path);
        return switch (c.getHostRewriteSpecifierCase()) {
            case HOST_REWRITE_LITERAL -> new DynamicForwardProxyPerRoute(c.getHostRewriteLiteral(), null);
            case HOST_REWRITE_HEADER -> new DynamicForwardProxyPerRoute(null,
                    c.getHostRewriteHeader().toLowerCase(Locale.ROOT));
            default -> new DynamicForwardProxyPerRoute(null, null);
        };
    }

    @Override
    public HttpFilterFactory.Provider<DynamicForwardProxyConfig> runtime() {
        return new DynamicForwardProxyFilterFactory.Provider();
    }
}
