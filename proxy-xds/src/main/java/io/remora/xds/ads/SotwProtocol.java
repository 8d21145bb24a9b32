package io.remora.xds.ads;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * State of the world over ADS: every request repeats the full set of names, the version_info last accepted and
 * the nonce of the response it answers.
 */
final class SotwProtocol extends XdsProtocolStream<DiscoveryRequest, DiscoveryResponse> {

    SotwProtocol(Node node, boolean nodeOnFirstMessageOnly) {
        this(node, nodeOnFirstMessageOnly, null);
    }

    /**
     * @param service the type whose own discovery service the stream calls (e.g. SecretDiscoveryService.StreamSecrets
     *                for pilot-agent's sds-grpc) rather than AggregatedDiscoveryService; null for ADS
     */
    SotwProtocol(Node node, boolean nodeOnFirstMessageOnly, XdsResourceType service) {
        super(node, nodeOnFirstMessageOnly, service);
    }

    @Override
    StreamObserver<DiscoveryRequest> call(Channel channel, StreamObserver<DiscoveryResponse> responses) {
        return XdsServices.sotw(service, channel, responses);
    }

    @Override
    String controlPlane(DiscoveryResponse response) {
        return response.hasControlPlane() ? response.getControlPlane().getIdentifier() : null;
    }

    @Override
    XdsUpdate update(DiscoveryResponse response) {
        XdsLog.received(response.getTypeUrl(), response.getVersionInfo(), response.getNonce(),
                response.getResourcesCount());
        return XdsUpdate.fromSotw(response, Instant.now());
    }

    @Override
    public void start(XdsResourceType type, Set<String> names, String acceptedVersion, Map<String, String> heldVersions) {
        send(request(type, names, acceptedVersion, ""), type.typeUrl);
    }

    @Override
    public void resubscribe(XdsResourceType type, Set<String> oldNames, Set<String> newNames, String acceptedVersion, String lastNonce) {
        send(request(type, newNames, acceptedVersion, lastNonce), type.typeUrl);
    }

    @Override
    public void ack(XdsResourceType type, Set<String> names, String acceptedVersion, List<String> nonces) {
        send(request(type, names, acceptedVersion, nonces.get(nonces.size() - 1)), type.typeUrl);
    }

    @Override
    public void nack(XdsResourceType type, Set<String> names, String acceptedVersion, List<String> nonces, String error) {
        send(request(type, names, acceptedVersion, nonces.get(nonces.size() - 1)).toBuilder()
                .setErrorDetail(errorDetail(error))
                .build(), type.typeUrl);
    }

    private DiscoveryRequest request(XdsResourceType type, Set<String> names, String version, String nonce) {
        DiscoveryRequest.Builder b = DiscoveryRequest.newBuilder()
                .setTypeUrl(type.typeUrl)
                .setVersionInfo(version)
                .setResponseNonce(nonce);
        if (!type.wholeSetPerResponse()) {
            b.addAllResourceNames(names);
        }
        Node node = nodeIfDue();
        if (node != null) {
            b.setNode(node);
        }
        return b.build();
    }
}
