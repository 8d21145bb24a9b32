package io.remora.extensions.filters.http.common;

import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.ClusterConfig.UpstreamProtocol;
import io.remora.config.RetryPolicy;
import io.remora.http.upstream.Cancellable;
import io.remora.server.ServerContext;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One unary gRPC call through a cluster ({@code envoy_grpc}), as the control-service clients
 * (ext_authz, rate limit) make it: length-prefixed protobuf over HTTP/2 with {@code grpc-timeout},
 * the answer's message read once the call ended with {@code grpc-status} 0.
 */
public final class GrpcUnaryCall {

    private GrpcUnaryCall() {
    }

    /**
     * Sends {@code message} to {@code path}; {@code done} gets the whole {@link ClusterCall.Response}.
     * {@code envoyHeaders}: not envoy_grpc.skip_envoy_headers ({@link GrpcCalls#addEnvoyHeaders}).
     */
    public static Cancellable start(EventLoop loop, ServerContext context, String cluster, String authority,
                                    List<Map.Entry<String, String>> initialMetadata, boolean envoyHeaders, String path,
                                    byte[] message, Duration timeout, Consumer<ClusterCall.Response> done) {
        return start(loop, context, cluster, authority, initialMetadata, envoyHeaders, path, message, timeout, null,
                done);
    }

    /**
     * As above, retried by the gRPC service's {@code retry_policy} when {@code retry} is not null
     * ({@link GrpcUnaryRetries}); the call's {@code timeout} bounds all its tries.
     */
    public static Cancellable start(EventLoop loop, ServerContext context, String cluster, String authority,
                                    List<Map.Entry<String, String>> initialMetadata, boolean envoyHeaders, String path,
                                    byte[] message, Duration timeout, RetryPolicy retry,
                                    Consumer<ClusterCall.Response> done) {
        byte[] framed = GrpcCalls.frame(message);
        Http2Headers h = GrpcCalls.requestHeaders(path, authority, timeout, initialMetadata);
        if (envoyHeaders) {
            GrpcCalls.addEnvoyHeaders(h, context.localAddress());
        }
        if (retry != null) {
            return GrpcUnaryRetries.start(loop, context, cluster, h, framed, timeout, retry, done);
        }
        return ClusterCall.start(loop, context, cluster, UpstreamProtocol.HTTP2, h, framed, timeout, done);
    }

    /**
     * The answer's one message, or null when the call failed: no HTTP/2 200, a grpc-status other
     * than 0 (in the trailers, or the headers of a trailers-only answer), a missing or malformed frame,
     * or a message longer than {@code maxLength} (when not 0: envoy_grpc.max_receive_message_length, which
     * fails Envoy's call RESOURCE_EXHAUSTED).
     */
    public static ByteBuffer message(ClusterCall.Response r, int maxLength) {
        if (r.headers() == null || r.status() != 200) {
            return null;
        }
        CharSequence gs = r.trailers() != null ? r.trailers().get("grpc-status") : null;
        if (gs == null) {
            gs = r.headers().get("grpc-status");
        }
        if (gs == null || !gs.toString().trim().equals("0")) {
            return null;
        }
        byte[] b = r.body();
        if (b.length < 5 || b[0] != 0) {
            return null;
        }
        int len = ByteBuffer.wrap(b, 1, 4).getInt();
        if (len < 0 || len > b.length - 5 || (maxLength > 0 && len > maxLength)) {
            return null;
        }
        return ByteBuffer.wrap(b, 5, len);
    }
}
