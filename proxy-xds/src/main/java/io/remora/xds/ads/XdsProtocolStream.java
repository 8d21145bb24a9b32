package io.remora.xds.ads;

import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;

/**
 * What the two protocol variants share: one bidirectional gRPC stream (ADS's, or one type's when that type has
 * an api_config_source of its own), the node on the first request or on every one, and
 * a half-close on shutdown. Subclasses build the variant's requests and read its responses.
 *
 * @param <Q> the variant's request message
 * @param <R> the variant's response message
 */
abstract class XdsProtocolStream<Q extends Message, R> implements XdsProtocol {
    private final Node node;
    private final boolean nodeOnFirstMessageOnly;
    /** The type whose own discovery service the stream calls (an api_config_source of its own); null for ADS. */
    final XdsResourceType service;
    private StreamObserver<Q> requests;
    private boolean nodeSent;
    /** The source's rate_limit_settings, or null: requests go at once. */
    private DiscoveryRequestLimiter limiter;

    XdsProtocolStream(Node node, boolean nodeOnFirstMessageOnly, XdsResourceType service) {
        this.node = node;
        this.nodeOnFirstMessageOnly = nodeOnFirstMessageOnly;
        this.service = service;
    }

    /** Starts the variant's RPC on {@code channel}; returns its request side. */
    abstract StreamObserver<Q> call(Channel channel, StreamObserver<R> responses);

    /** A response as the client's update (and its log line). */
    abstract XdsUpdate update(R response);

    /** The response's {@code control_plane.identifier}, or null when it has no {@code control_plane}. */
    abstract String controlPlane(R response);

    /** Limits this stream's requests by the source's rate_limit_settings (before the first {@link #open}). */
    final void rateLimit(DiscoveryRequestLimiter limiter) {
        this.limiter = limiter;
    }

    @Override
    public final void open(Channel channel, Handler handler) {
        nodeSent = false;
        if (limiter != null) {
            limiter.clear();
        }
        requests = call(channel, new StreamObserver<>() {
            @Override
            public void onNext(R response) {
                String identifier = controlPlane(response);
                if (identifier != null) {
                    handler.onControlPlane(identifier);
                }
                handler.onUpdate(update(response));
            }

            @Override
            public void onError(Throwable t) {
                handler.onClosed(t);
            }

            @Override
            public void onCompleted() {
                handler.onClosed(null);
            }
        });
    }

    /**
     * A NACK's error_detail as Envoy's muxes set it (grpc_mux_impl.cc onDiscoveryResponse, DeltaSubscriptionState::
     * handleBadResponse): code INTERNAL, the message cut to 4096 characters by Config::Utility::
     * truncateGrpcStatusMessage, as gRPC carries it in trailers of 8 KiB by default.
     */
    static com.google.rpc.Status errorDetail(String error) {
        String message = error.length() > MAX_ERROR_MESSAGE
                ? error.substring(0, MAX_ERROR_MESSAGE) + "...(truncated)" : error;
        return com.google.rpc.Status.newBuilder().setCode(com.google.rpc.Code.INTERNAL_VALUE).setMessage(message).build();
    }

    private static final int MAX_ERROR_MESSAGE = 4096;

    /** The node for the next request, or null when the stream's first request already carried it. */
    final Node nodeIfDue() {
        if (!nodeSent || !nodeOnFirstMessageOnly) {
            nodeSent = true;
            return node;
        }
        return null;
    }

    final void send(Q request, String typeUrl) {
        if (requests == null) {
            return;
        }
        if (limiter == null) {
            write(requests, request, typeUrl);
            return;
        }
        StreamObserver<Q> stream = requests;
        limiter.submit(() -> {
            if (requests == stream) {
                write(stream, request, typeUrl);
            }
        });
    }

    private static <Q extends Message> void write(StreamObserver<Q> stream, Q request, String typeUrl) {
        XdsLog.sending(io.remora.xds.translate.GeneratedMessages.descriptorOf(request).getName(), typeUrl, request);
        stream.onNext(request);
    }

    @Override
    public final void close() {
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
