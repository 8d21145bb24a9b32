package io.remora.extensions.filters.http.common;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** What every gRPC call Remora makes to a cluster shares: request headers and message framing. */
public final class GrpcCalls {

    private GrpcCalls() {
    }

    /**
     * Request headers of a call to {@code path}; {@code timeout} (null or zero: none) becomes
     * {@code grpc-timeout}, then {@code initialMetadata} (grpc_service's) is added.
     */
    public static Http2Headers requestHeaders(String path, String authority, Duration timeout,
                                              List<Map.Entry<String, String>> initialMetadata) {
        Http2Headers h = new DefaultHttp2Headers(false).method("POST").path(path).scheme("http").authority(authority);
        h.set("content-type", "application/grpc");
        h.set("te", "trailers");
        if (timeout != null && !timeout.isZero()) {
            h.set("grpc-timeout", Math.max(1, timeout.toMillis()) + "m");
        }
        for (Map.Entry<String, String> e : initialMetadata) {
            h.add(e.getKey(), e.getValue());
        }
        return h;
    }

    /**
     * What Envoy's async client adds to a side call unless {@code envoy_grpc.skip_envoy_headers}:
     * {@code x-envoy-internal: true} (set over initial_metadata's) and the node's local address
     * appended to {@code x-forwarded-for} (none when the server knows no local address: tests).
     */
    public static void addEnvoyHeaders(Http2Headers h, java.net.InetAddress local) {
        h.set(X_ENVOY_INTERNAL, "true");
        if (local != null) {
            String ip = io.netty.util.NetUtil.toAddressString(local);
            CharSequence xff = h.get(X_FORWARDED_FOR);
            h.set(X_FORWARDED_FOR, xff == null || xff.length() == 0 ? ip : xff + "," + ip);
        }
    }

    private static final io.netty.util.AsciiString X_ENVOY_INTERNAL = io.netty.util.AsciiString.cached("x-envoy-internal");
    private static final io.netty.util.AsciiString X_FORWARDED_FOR = io.netty.util.AsciiString.cached("x-forwarded-for");

    /** One uncompressed length-prefixed message. */
    public static byte[] frame(byte[] message) {
        return ByteBuffer.allocate(5 + message.length).put((byte) 0).putInt(message.length).put(message).array();
    }
}
