package io.remora.tracing;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;

import java.util.Map;

/**
 * Envoy's gRPC span tags (http_tracer_impl.cc addGrpcRequestTags, addGrpcResponseTags), apart
 * from the HTTP ones: they read gRPC's own headers, and the error they tag is gRPC's status, not
 * the HTTP one (a failed call is mostly answered 200).
 */
final class GrpcSpanTags {

    private static final AsciiString GRPC_TIMEOUT = AsciiString.cached("grpc-timeout");
    private static final AsciiString GRPC_STATUS = AsciiString.cached("grpc-status");
    private static final AsciiString GRPC_MESSAGE = AsciiString.cached("grpc-message");
    private static final String GRPC = "application/grpc";

    private GrpcSpanTags() {
    }

    /** A gRPC request's path, authority, content type and timeout (those it carries). */
    static void request(Http2Headers h, Map<String, String> tags) {
        if (!isGrpc(h)) {
            return;
        }
        putIfPresent(tags, "grpc.path", h.path());
        putIfPresent(tags, "grpc.authority", h.authority());
        putIfPresent(tags, "grpc.content_type", h.get(HttpHeaderNames.CONTENT_TYPE));
        putIfPresent(tags, "grpc.timeout", h.get(GRPC_TIMEOUT));
    }

    /**
     * Response headers or trailers that carry grpc-status: the status and message, and the error
     * tag when the status blames the server (Envoy issue 18877: the client's own mistakes, such as
     * NOT_FOUND or INVALID_ARGUMENT, are not the proxy's errors). Trailers come after headers and
     * overwrite what both carry, as Envoy's setTag does.
     */
    static void response(Http2Headers h, Map<String, String> tags) {
        CharSequence status = h.get(GRPC_STATUS);
        if (status == null || status.length() == 0) {
            return;
        }
        tags.put("grpc.status_code", status.toString());
        putIfPresent(tags, "grpc.message", h.get(GRPC_MESSAGE));
        if (serverError(status.toString())) {
            tags.put("error", "true");
        }
    }

    /** Envoy's isGrpcRequestHeaders: a :path, and application/grpc alone or followed by '+'. */
    private static boolean isGrpc(Http2Headers h) {
        CharSequence ct = h.get(HttpHeaderNames.CONTENT_TYPE);
        if (h.path() == null || ct == null || !ct.toString().startsWith(GRPC)) {
            return false;
        }
        return ct.length() == GRPC.length() || ct.charAt(GRPC.length()) == '+';
    }

    /** UNKNOWN, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS. */
    private static boolean serverError(String status) {
        int code;
        try {
            code = Integer.parseInt(status);
        } catch (NumberFormatException e) {
            return false;
        }
        return switch (code) {
            case 2, 4, 8, 12, 13, 14, 15 -> true;
            default -> false;
        };
    }

    private static void putIfPresent(Map<String, String> tags, String tag, CharSequence value) {
        if (value != null) {
            tags.put(tag, value.toString());
        }
    }
}
