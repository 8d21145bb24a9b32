package io.remora.xds.ads;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;

import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Incremental xDS over ADS: a new stream tells the server what the client already holds
 * (initial_resource_versions), subscriptions change by difference, and ACK/NACK refer to a response by nonce.
 * Wildcard types (LDS, CDS) subscribe with an empty name list, as Envoy does.
 */
final class DeltaProtocol extends XdsProtocolStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse> {

    DeltaProtocol(Node node, boolean nodeOnFirstMessageOnly) {
        this(node, nodeOnFirstMessageOnly, null);
    }

    /** @param service the type whose own Delta* method the stream calls (a separate config source); null for ADS */
    DeltaProtocol(Node node, boolean nodeOnFirstMessageOnly, XdsResourceType service) {
        super(node, nodeOnFirstMessageOnly, service);
    }

    @Override
    StreamObserver<DeltaDiscoveryRequest> call(Channel channel, StreamObserver<DeltaDiscoveryResponse> responses) {
        return XdsServices.delta(service, channel, responses);
    }

    @Override
    String controlPlane(DeltaDiscoveryResponse response) {
        return response.hasControlPlane() ? response.getControlPlane().getIdentifier() : null;
    }

    @Override
    XdsUpdate update(DeltaDiscoveryResponse response) {
        XdsLog.received(response.getTypeUrl(), response.getSystemVersionInfo(), response.getNonce(),
                response.getResourcesCount());
        return XdsUpdate.fromDelta(response, Instant.now());
    }

    @Override
    public void start(XdsResourceType type, Set<String> names, String acceptedVersion, Map<String, String> heldVersions) {
        // a wildcard subscription names nothing; a wildcard type asked by name (on-demand CDS) names its names
        // (SRDS's subscription to all its resources too, as Envoy's first wildcard request)
        DeltaDiscoveryRequest.Builder b = builder(type).putAllInitialResourceVersions(heldVersions)
                .addAllResourceNamesSubscribe(names.equals(Set.of(XdsResourceType.ALL)) ? Set.of() : names);
        send(b.build(), type.typeUrl);
    }

    @Override
    public void resubscribe(XdsResourceType type, Set<String> oldNames, Set<String> newNames, String acceptedVersion, String lastNonce) {
        Set<String> subscribe = new HashSet<>(newNames);
        subscribe.removeAll(oldNames);
        Set<String> unsubscribe = new HashSet<>(oldNames);
        unsubscribe.removeAll(newNames);
        if (subscribe.isEmpty() && unsubscribe.isEmpty()) {
            return;
        }
        send(builder(type).addAllResourceNamesSubscribe(subscribe).addAllResourceNamesUnsubscribe(unsubscribe).build(),
                type.typeUrl);
    }

    @Override
    public void ack(XdsResourceType type, Set<String> names, String acceptedVersion, List<String> nonces) {
        for (String nonce : nonces) {
            send(builder(type).setResponseNonce(nonce).build(), type.typeUrl);
        }
    }

    @Override
    public void nack(XdsResourceType type, Set<String> names, String acceptedVersion, List<String> nonces, String error) {
        for (String nonce : nonces) {
            send(builder(type).setResponseNonce(nonce)
                    .setErrorDetail(errorDetail(error))
                    .build(), type.typeUrl);
        }
    }

    private DeltaDiscoveryRequest.Builder builder(XdsResourceType type) {
        DeltaDiscoveryRequest.Builder b = DeltaDiscoveryRequest.newBuilder().setTypeUrl(type.typeUrl);
        Node node = nodeIfDue();
        if (node != null) {
            b.setNode(node);
        }
        return b;
    }
}
