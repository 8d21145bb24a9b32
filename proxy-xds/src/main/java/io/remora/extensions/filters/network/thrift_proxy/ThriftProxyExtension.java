package io.remora.extensions.filters.network.thrift_proxy;

import io.envoyproxy.envoy.extensions.filters.network.thrift_proxy.v3.ThriftProtocolOptions;
import io.envoyproxy.envoy.extensions.filters.network.thrift_proxy.v3.ThriftProxy;
import io.remora.extensions.ProtocolOptionsExtension;
import io.remora.extensions.TerminalFilterExtension;
import io.remora.network.NetworkFilter;
import io.remora.network.NetworkFilterFactory;
import io.remora.server.ServerContext;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;

/**
 * {@code envoy.filters.network.thrift_proxy}: Envoy's Thrift proxy with its router; a cluster's
 * {@code ThriftProtocolOptions} set the transport and protocol spoken to its hosts.
 */
public final class ThriftProxyExtension implements TerminalFilterExtension<ThriftProxyConfig>,
        ProtocolOptionsExtension {

    @Override
    public List<String> names() {
        return List.of(ThriftProxyConfig.NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of("envoy.extensions.filters.network.thrift_proxy.v3.ThriftProxy");
    }

    @Override
    public ThriftProxyConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            throw path.error("missing required field");
        }
        return ThriftProxyTranslator.translate(config.unpack(ThriftProxy.class, path), path, ctx);
    }

    @Override
    public List<String> protocolOptionsTypes() {
        return List.of("envoy.extensions.filters.network.thrift_proxy.v3.ThriftProtocolOptions");
    }

    @Override
    public ThriftProxyConfig.UpstreamOptions protocolOptions(TypedConfig config, FieldPath path) {
        return ThriftProxyTranslator.protocolOptions(config.unpack(ThriftProtocolOptions.class, path), path);
    }

    @Override
    public NetworkFilterFactory<ThriftProxyConfig> runtime() {
        return new NetworkFilterFactory<>() {
            @Override
            public Class<ThriftProxyConfig> configType() {
                return ThriftProxyConfig.class;
            }

            @Override
            public NetworkFilter create(ThriftProxyConfig config, ServerContext context) {
                return new ThriftProxyFilter(config, context);
            }
        };
    }
}
