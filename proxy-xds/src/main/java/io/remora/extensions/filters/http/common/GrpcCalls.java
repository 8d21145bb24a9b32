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

    /** One uncompressed length-prefixed message. */
    public static byte[] frame(byte[] message) {
        return ByteBuffer.allocate(5 + message.length).put((byte) 0).putInt(message.length).put(message).array();
    }
}
