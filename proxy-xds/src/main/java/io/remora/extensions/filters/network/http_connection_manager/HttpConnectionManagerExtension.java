package io.remora.extensions.filters.network.http_connection_manager;

import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.remora.config.HttpConnectionManagerConfig;
import io.remora.extensions.ExtensionRegistry;
import io.remora.extensions.TerminalFilterExtension;
import io.remora.http.HttpConnectionManagerFactory;
import io.remora.network.NetworkFilterFactory;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.HttpConnectionManagerTranslator;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;

/** {@code envoy.filters.network.http_connection_manager}, running every registered HTTP filter. */
public final class HttpConnectionManagerExtension implements TerminalFilterExtension<HttpConnectionManagerConfig> {

    @Override
    public List<String> names() {
        return List.of(HttpConnectionManagerConfig.NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of("envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager");
    }

    @Override
    public HttpConnectionManagerConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            throw path.error("missing required field");
        }
        return HttpConnectionManagerTranslator.translate(config.unpack(HttpConnectionManager.class, path), path, ctx);
    }

    @Override
    public NetworkFilterFactory<HttpConnectionManagerConfig> runtime() {
        return new HttpConnectionManagerFactory(ExtensionRegistry.get().httpFilterRuntimes());
    }
}
