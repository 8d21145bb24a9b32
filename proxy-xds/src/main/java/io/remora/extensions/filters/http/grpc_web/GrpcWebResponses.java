package io.remora.extensions.filters.http.grpc_web;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;

/** How Envoy's gRPC-Web filter classifies a response, and its grpc-message encoding. */
final class GrpcWebResponses {

    private static final AsciiString CONTENT_TYPE = AsciiString.cached("content-type");
    private static final AsciiString GRPC_STATUS = AsciiString.cached("grpc-status");
    private static final String GRPC = "application/grpc";

    private GrpcWebResponses() {
    }

    /**
     * Envoy's isGrpcResponseHeaders: a trailers-only response needs only grpc-status; any other a
     * 200 with content-type application/grpc or application/grpc+&lt;subtype&gt;.
     */
    static boolean isGrpc(Http2Headers headers, int status, boolean endStream) {
        if (endStream) {
            return headers.contains(GRPC_STATUS);
        }
        CharSequence ct = headers.get(CONTENT_TYPE);
        return status == 200 && ct != null && AsciiString.regionMatches(ct, false, 0, GRPC, 0, GRPC.length())
                && (ct.length() == GRPC.length() || ct.charAt(GRPC.length()) == '+');
    }

    /**
     * A 200 whose media type (parameters dropped, compared without case) is application/grpc-web
     * or application/grpc-web+proto: an upstream that speaks gRPC-Web itself.
     */
    static boolean isProtoGrpcWeb(Http2Headers headers, int status) {
        CharSequence ct = headers.get(CONTENT_TYPE);
        if (status != 200 || ct == null) {
            return false;
        }
        String media = ct.toString();
        int semi = media.indexOf(';');
        media = (semi >= 0 ? media.substring(0, semi) : media).stripTrailing();
        return media.equalsIgnoreCase("application/grpc-web") || media.equalsIgnoreCase("application/grpc-web+proto");
    }
}
