package io.remora.xds.ads;

import com.google.rpc.Code;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.secret.v3.SecretDiscoveryServiceGrpc;
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
final class DeltaProtocol implements XdsProtocol {
    private final Node node;
    private final boolean nodeOnFirstMessageOnly;
    private final boolean secretService;
    private StreamObserver<DeltaDiscoveryRequest> requests;
    private boolean nodeSent;

    DeltaProtocol(Node node, boolean nodeOnFirstMessageOnly) {
        this(node, nodeOnFirstMessageOnly, false);
    }

    /** @param secretService the stream is SecretDiscoveryService.DeltaSecrets (a separate SDS config source) */
    DeltaProtocol(Node node, boolean nodeOnFirstMessageOnly, boolean secretService) {
        this.node = node;
        this.nodeOnFirstMessageOnly = nodeOnFirstMessageOnly;
        this.secretService = secretService;
    }

    @Override
    public void open(Channel channel, Handler handler) {
        nodeSent = false;
        StreamObserver<DeltaDiscoveryResponse> responses = new StreamObserver<>() {
            @Override
            public void onNext(DeltaDiscoveryResponse response) {
                XdsLog.received(response.getTypeUrl(), response.getSystemVersionInfo(), response.getNonce(),
                        response.getResourcesCount());
                handler.onUpdate(XdsUpdate.fromDelta(response, Instant.now()));
            }

            @Override
            public void onError(Throwable t) {
                handler.onClosed(t);
            }

            @Override
            public void onCompleted() {
                handler.onClosed(null);
            }
        };
        requests = secretService ? SecretDiscoveryServiceGrpc.newStub(channel).deltaSecrets(responses)
                : AggregatedDiscoveryServiceGrpc.newStub(channel).deltaAggregatedResources(responses);
    }

    @Override
    public void start(XdsResourceType type, Set<String> names, String acceptedVersion, Map<String, String> heldVersions) {
        DeltaDiscoveryRequest.Builder b = builder(type).putAllInitialResourceVersions(heldVersions);
        if (!type.wildcard) {
            b.addAllResourceNamesSubscribe(names);
        }
        send(b.build());
    }

    @Override
    public void resubscribe(XdsResourceType type, Set<String> oldNames, Set<String> newNames, String acceptedVersion, String lastNonce) {
        if (type.wildcard) {
            return;
        }
        Set<String> subscribe = new HashSet<>(newNames);
        subscribe.removeAll(oldNames);
        Set<String> unsubscribe = new HashSet<>(oldNames);
        unsubscribe.removeAll(newNames);
        if (subscribe.isEmpty() && unsubscribe.isEmpty()) {
            return;
        }
        send(builder(type).addAllResourceNamesSubscribe(subscribe).addAllResourceNamesUnsubscribe(unsubscribe).build());
    }

    @Override
    public void ack(XdsResourceType type, Set<String> names, String acceptedVersion, List<String> nonces) {
        for (String nonce : nonces) {
            send(builder(type).setResponseNonce(nonce).build());
        }
    }

    @Override
    public void nack(XdsResourceType type, Set<String> names, String acceptedVersion, List<String> nonces, String error) {
        for (String nonce : nonces) {
            send(builder(type).setResponseNonce(nonce)
                    .setErrorDetail(com.google.rpc.Status.newBuilder().setCode(Code.INVALID_ARGUMENT_VALUE).setMessage(error))
                    .build());
        }
    }

    private DeltaDiscoveryRequest.Builder builder(XdsResourceType type) {
        DeltaDiscoveryRequest.Builder b = DeltaDiscoveryRequest.newBuilder().setTypeUrl(type.typeUrl);
        if (!nodeSent || !nodeOnFirstMessageOnly) {
            b.setNode(node);
            nodeSent = true;
        }
        return b;
    }

    private void send(DeltaDiscoveryRequest r) {
        if (requests != null) {
            XdsLog.sending("DeltaDiscoveryRequest", r.getTypeUrl(), r);
            requests.onNext(r);
        }
    }

    @Override
    public void close() {
        if (requests != null) {
            try {
                requests.onCompleted();
            } catch (RuntimeException ignored) {
                // the stream is already gone
            }
            requests = null;
        }
    }
}
