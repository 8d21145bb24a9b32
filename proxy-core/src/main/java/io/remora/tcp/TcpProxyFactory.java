package io.remora.tcp;

import io.remora.config.TcpProxyConfig;
import io.remora.network.NetworkFilter;
import io.remora.network.NetworkFilterFactory;
import io.remora.server.ServerContext;

/** {@code envoy.filters.network.tcp_proxy}: builds one {@link TcpProxyFilter} per filter chain. */
public final class TcpProxyFactory implements NetworkFilterFactory<TcpProxyConfig> {

    @Override
    public Class<TcpProxyConfig> configType() {
        return TcpProxyConfig.class;
    }

    @Override
    public NetworkFilter create(TcpProxyConfig config, ServerContext context) {
        return new TcpProxyFilter(config, context);
    }
}
