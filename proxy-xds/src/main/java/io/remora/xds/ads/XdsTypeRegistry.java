package io.remora.xds.ads;

import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.service.discovery.v3.Resource;

/**
 * The types a file-delivered DiscoveryResponse may name in {@code @type}: the xDS resources and the commonest
 * extensions. The translator registers the rest by passing its own registry in {@link XdsClientOptions}.
 */
public final class XdsTypeRegistry {
    public static final JsonFormat.TypeRegistry DEFAULT = JsonFormat.TypeRegistry.newBuilder()
            .add(Listener.getDescriptor())
            .add(RouteConfiguration.getDescriptor())
            .add(Cluster.getDescriptor())
            .add(ClusterLoadAssignment.getDescriptor())
            .add(Secret.getDescriptor())
            .add(io.envoyproxy.envoy.service.runtime.v3.Runtime.getDescriptor())
            .add(io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig.getDescriptor())
            .add(Resource.getDescriptor())
            .add(HttpConnectionManager.getDescriptor())
            .add(Router.getDescriptor())
            .add(TcpProxy.getDescriptor())
            .build();

    private XdsTypeRegistry() {
    }
}
