package io.remora.extensions.filters.http.router;

import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.remora.config.RouterFilterConfig;
import io.remora.extensions.HttpFilterExtension;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.http.router.RouterFilterProvider;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;

/** {@code envoy.filters.http.router}: the last HTTP filter of every connection manager. */
public final class RouterExtension implements HttpFilterExtension<RouterFilterConfig> {

    @Override
    public List<String> names() {
        return List.of(RouterFilterConfig.NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of("envoy.extensions.filters.http.router.v3.Router");
    }

    @Override
    public RouterFilterConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        Router r = config == null ? Router.getDefaultInstance() : config.unpack(Router.class, path);
        return new RouterFilterConfig(r.getSuppressEnvoyHeaders(), io.remora.xds.translate.UpstreamHttpFilterTranslator.translate(
                r.getUpstreamHttpFiltersList(), io.remora.xds.translate.UpstreamHttpFilterTranslator.Owner.ROUTER,
                path.field("upstream_http_filters"), ctx));
    }

    @Override
    public HttpFilterFactory.Provider<RouterFilterConfig> runtime() {
        return new RouterFilterProvider();
    }
}
