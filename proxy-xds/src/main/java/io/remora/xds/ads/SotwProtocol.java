package io.remora.xds.ads;

import com.google.rpc.Code;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.secret.v3.SecretDiscoveryServiceGrpc;
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
final class SotwProtocol implements XdsProtocol {
    private final Node node;
    private final boolean nodeOnFirstMessageOnly;
    private final boolean secretService;
    private StreamObserver<DiscoveryRequest> requests;
    private boolean nodeSent;

    SotwProtocol(Node node, boolean nodeOnFirstMessageOnly) {
        this(node, nodeOnFirstMessageOnly, false);
    }

    /**
     * @param secretService the stream is SecretDiscoveryService.StreamSecrets (a separate SDS config source, as
     *                      Envoy calls pilot-agent's sds-grpc) rather than AggregatedDiscoveryService
     */
    SotwProtocol(Node node, boolean nodeOnFirstMessageOnly, boolean secretService) {
        this.node = node;
        this.nodeOnFirstMessageOnly = nodeOnFirstMessageOnly;
        this.secretService = secretService;
    }

    @Override
    public void open(Channel channel, Handler handler) {
        nodeSent = false;
        StreamObserver<DiscoveryResponse> responses = new StreamObserver<>() {
            @Override
            public void onNext(DiscoveryResponse response) {
                XdsLog.received(response.getTypeUrl(), response.getVersionInfo(), response.getNonce(),
                        response.getResourcesCount());
                handler.onUpdate(XdsUpdate.fromSotw(response, Instant.now()));
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
        requests = secretService ? SecretDiscoveryServiceGrpc.newStub(channel).streamSecrets(responses)
                : AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(responses);
    }

    @Override
    public void start(XdsResourceType type, Set<String> names, String acceptedVersion, Map<String, String> heldVersions) {
        send(request(type, names, acceptedVersion, ""));
    }

    @Override
    public void resubscribe(XdsResourceType type, Set<String> oldNames, Set<String> newNames, String acceptedVersion, String lastNonce) {
        send(request(type, newNames, acceptedVersion, lastNonce));
    }

    @Override
    public void ack(XdsResourceType type, Set<String> names, String acceptedVersion, List<String> nonces) {
        send(request(type, names, acceptedVersion, nonces.get(nonces.size() - 1)));
    }

    @Override
    public void nack(XdsResourceType type, Set<String> names, String acceptedVersion, List<String> nonces, String error) {
        send(request(type, names, acceptedVersion, nonces.get(nonces.size() - 1)).toBuilder()
                .setErrorDetail(com.google.rpc.Status.newBuilder().setCode(Code.INVALID_ARGUMENT_VALUE).setMessage(error))
                .build());
    }

    private DiscoveryRequest request(XdsResourceType type, Set<String> names, String version, String nonce) {
        DiscoveryRequest.Builder b = DiscoveryRequest.newBuilder()
                .setTypeUrl(type.typeUrl)
                .setVersionInfo(version)
                .setResponseNonce(nonce);
        if (!type.wildcard) {
            b.addAllResourceNames(names);
        }
        if (!nodeSent || !nodeOnFirstMessageOnly) {
            b.setNode(node);
            nodeSent = true;
        }
        return b.build();
    }

    private void send(DiscoveryRequest r) {
        if (requests != null) {
            XdsLog.sending("DiscoveryRequest", r.getTypeUrl(), r);
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
