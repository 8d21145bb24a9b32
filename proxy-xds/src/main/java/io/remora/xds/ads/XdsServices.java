package io.remora.xds.ads;

import io.envoyproxy.envoy.service.cluster.v3.ClusterDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.endpoint.v3.EndpointDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.extension.v3.ExtensionConfigDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.listener.v3.ListenerDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.route.v3.RouteDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.route.v3.VirtualHostDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.runtime.v3.RuntimeDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.secret.v3.SecretDiscoveryServiceGrpc;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;

/**
 * The gRPC method a stream calls: AggregatedDiscoveryService for ADS, or, for a type fetched from an
 * api_config_source of its own, that type's service (Envoy's sotwGrpcMethod / deltaGrpcMethod by type URL).
 */
final class XdsServices {
    private XdsServices() {
    }

    /** State of the world; {@code service} null for ADS. */
    static StreamObserver<DiscoveryRequest> sotw(XdsResourceType service, Channel ch,
                                                 StreamObserver<DiscoveryResponse> responses) {
        if (service == null) {
            return AggregatedDiscoveryServiceGrpc.newStub(ch).streamAggregatedResources(responses);
        }
        return switch (service) {
            case LISTENER -> ListenerDiscoveryServiceGrpc.newStub(ch).streamListeners(responses);
            case CLUSTER -> ClusterDiscoveryServiceGrpc.newStub(ch).streamClusters(responses);
            case ROUTE -> RouteDiscoveryServiceGrpc.newStub(ch).streamRoutes(responses);
            case ENDPOINT -> EndpointDiscoveryServiceGrpc.newStub(ch).streamEndpoints(responses);
            case SECRET -> SecretDiscoveryServiceGrpc.newStub(ch).streamSecrets(responses);
            case RUNTIME -> RuntimeDiscoveryServiceGrpc.newStub(ch).streamRuntime(responses);
            case EXTENSION_CONFIG -> ExtensionConfigDiscoveryServiceGrpc.newStub(ch).streamExtensionConfigs(responses);
            case VIRTUAL_HOST -> throw new IllegalArgumentException("VHDS is delta xDS only");
            case SCOPED_ROUTE -> io.envoyproxy.envoy.service.route.v3.ScopedRoutesDiscoveryServiceGrpc.newStub(ch)
                    .streamScopedRoutes(responses);
        };
    }

    /** Incremental; {@code service} null for ADS. */
    static StreamObserver<DeltaDiscoveryRequest> delta(XdsResourceType service, Channel ch,
                                                       StreamObserver<DeltaDiscoveryResponse> responses) {
        if (service == null) {
            return AggregatedDiscoveryServiceGrpc.newStub(ch).deltaAggregatedResources(responses);
        }
        return switch (service) {
            case LISTENER -> ListenerDiscoveryServiceGrpc.newStub(ch).deltaListeners(responses);
            case CLUSTER -> ClusterDiscoveryServiceGrpc.newStub(ch).deltaClusters(responses);
            case ROUTE -> RouteDiscoveryServiceGrpc.newStub(ch).deltaRoutes(responses);
            case ENDPOINT -> EndpointDiscoveryServiceGrpc.newStub(ch).deltaEndpoints(responses);
            case SECRET -> SecretDiscoveryServiceGrpc.newStub(ch).deltaSecrets(responses);
            case RUNTIME -> RuntimeDiscoveryServiceGrpc.newStub(ch).deltaRuntime(responses);
            case EXTENSION_CONFIG -> ExtensionConfigDiscoveryServiceGrpc.newStub(ch).deltaExtensionConfigs(responses);
            case VIRTUAL_HOST -> VirtualHostDiscoveryServiceGrpc.newStub(ch).deltaVirtualHosts(responses);
            case SCOPED_ROUTE -> io.envoyproxy.envoy.service.route.v3.ScopedRoutesDiscoveryServiceGrpc.newStub(ch)
                    .deltaScopedRoutes(responses);
        };
    }
}
