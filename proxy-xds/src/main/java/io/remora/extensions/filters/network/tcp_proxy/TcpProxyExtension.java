package io.remora.extensions.filters.network.tcp_proxy;

import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.remora.config.TcpProxyConfig;
import io.remora.extensions.TerminalFilterExtension;
import io.remora.network.NetworkFilterFactory;
import io.remora.tcp.TcpProxyFactory;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TcpProxyTranslator;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;

/** {@code envoy.filters.network.tcp_proxy}. */
public final class TcpProxyExtension implements TerminalFilterExtension<TcpProxyConfig> {

    @Override
    public List<String> names() {
        return List.of(TcpProxyConfig.NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of("envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy");
    }

    @Override
    public TcpProxyConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            throw path.error("missing required field");
        }
        return TcpProxyTranslator.translate(config.unpack(TcpProxy.class, path), path, ctx);
    }

    @Override
    public NetworkFilterFactory<TcpProxyConfig> runtime() {
        return new TcpProxyFactory();
    }
}
