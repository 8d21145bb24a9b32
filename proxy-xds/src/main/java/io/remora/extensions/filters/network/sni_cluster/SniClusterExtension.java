package io.remora.extensions.filters.network.sni_cluster;

import io.remora.config.TcpProxyConfig;
import io.remora.extensions.NetworkFilterExtension;
import io.remora.network.ConnectionFilterFactory;
import io.remora.network.FilterState;
import io.remora.network.RequestedServerNameFilter;
import io.remora.server.ServerContext;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;

/**
 * {@code envoy.filters.network.sni_cluster}: a connection with SNI (from tls_inspector) goes to
 * the cluster of that name: the name is left in the connection's filter state under
 * {@code envoy.tcp_proxy.cluster}, which tcp_proxy takes over its own cluster.
 */
public final class SniClusterExtension implements NetworkFilterExtension<SniClusterConfig> {

    @Override
    public List<String> names() {
        return List.of(SniClusterConfig.NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of("envoy.extensions.filters.network.sni_cluster.v3.SniCluster");
    }

    @Override
    public SniClusterConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        return new SniClusterConfig();
    }

    @Override
    public ConnectionFilterFactory.Provider<SniClusterConfig> runtime() {
        return new ConnectionFilterFactory.Provider<>() {
            @Override
            public Class<SniClusterConfig> configType() {
                return SniClusterConfig.class;
            }

            @Override
            public ConnectionFilterFactory create(SniClusterConfig config, ServerContext context) {
                return () -> new RequestedServerNameFilter(TcpProxyConfig.PER_CONNECTION_CLUSTER,
                        FilterState.Mutability.MUTABLE);
            }
        };
    }
}
