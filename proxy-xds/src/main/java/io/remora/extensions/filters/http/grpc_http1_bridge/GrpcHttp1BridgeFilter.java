package io.remora.extensions.filters.http.grpc_http1_bridge;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.extensions.filters.http.common.GrpcMessageBuffer;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.EncoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamFilter;
import io.remora.overload.BufferedBytes;

/**
 * Envoy's gRPC HTTP/1.1 bridge for one stream. A gRPC request (a :path and content-type
 * application/grpc or application/grpc+*) from an HTTP/1 client has its response held until the
 * trailers: their grpc-status and grpc-message become response headers, a grpc-status that is
 * not 0 (or not a number) turns the status into 503, and content-length is the buffered body's.
 * A trailers-only response passes as it is. With upgrade_protobuf_to_grpc an application/x-protobuf
 * request becomes application/grpc; bridged, its body is framed and the response body unframed.
 */
final class GrpcHttp1BridgeFilter implements StreamFilter, BufferedBytes {

    private static final AsciiString CONTENT_TYPE = AsciiString.cached("content-type");
    private static final AsciiString CONTENT_LENGTH = AsciiString.cached("content-length");
    private static final AsciiString GRPC_STATUS = AsciiString.cached("grpc-status");
    private static final AsciiString GRPC_MESSAGE = AsciiString.cached("grpc-message");
    private static final AsciiString APPLICATION_GRPC = AsciiString.cached("application/grpc");
    private static final AsciiString X_PROTOBUF = AsciiString.cached("application/x-protobuf");
    private static final AsciiString SERVICE_UNAVAILABLE = AsciiString.cached("503");

    private final GrpcHttp1BridgeConfig config;
    private DecoderFilterCallbacks decoder;
    private EncoderFilterCallbacks encoder;
    private boolean bridging;
    private boolean framing;
    /** Framed request: its body until the end, when the frame's length is known. */
    private final GrpcMessageBuffer requestBody = new GrpcMessageBuffer();
    /** Upgraded request: bytes of the response's frame header still to drop. */
    private int frameHeaderLeft = GrpcMessageBuffer.FRAME_HEADER;
    private Http2Headers heldResponseHeaders;

    GrpcHttp1BridgeFilter(GrpcHttp1BridgeConfig config) {
        this.config = config;
    }

    @Override
    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        this.decoder = callbacks;
    }

    @Override
    public void setEncoderFilterCallbacks(EncoderFilterCallbacks callbacks) {
        this.encoder = callbacks;
    }

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        CharSequence path = headers.path();
        if (config.upgradeProtobufToGrpc() && path != null && X_PROTOBUF.contentEquals(headers.get(CONTENT_TYPE))) {
            framing = true;
            headers.set(CONTENT_TYPE, APPLICATION_GRPC);
            // The message length is in the gRPC frame now.
            headers.remove(CONTENT_LENGTH);
            decoder.clearRouteCache();
        }
        bridging = path != null && GrpcMessageBuffer.isGrpcContentType(headers.get(CONTENT_TYPE))
                && !"HTTP/2".equals(decoder.downstreamProtocol());
        if (bridging && config.ignoreQueryParameters()) {
            // gRPC servers answer "unknown method" to a path with a query.
            int q = AsciiString.indexOf(path, '?', 0);
            if (q >= 0) {
                headers.path(path.subSequence(0, q));
            }
        }
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus decodeData(ByteBuf data, boolean endStream) {
        if (!bridging || !framing) {
            return FilterStatus.CONTINUE;
        }
        requestBody.add(data);
        if (requestBody.size() > decoder.bufferLimit()) {
            requestBody.release();
            decoder.sendLocalReply(413, "Payload Too Large", null, "request_payload_too_large");
            return FilterStatus.STOP_ITERATION;
        }
        if (!endStream) {
            return FilterStatus.STOP_ITERATION;
        }
        decoder.injectDecodedDataToFilterChain(requestBody.takeFramed(), true);
        return FilterStatus.STOP_ITERATION;
    }

    @Override
    public FilterStatus decodeTrailers(Http2Headers trailers) {
        if (!requestBody.isEmpty()) {
            // An HTTP/1 chunked body with trailers: the body ends here.
            decoder.injectDecodedDataToFilterChain(requestBody.takeFramed(), false);
        }
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus encodeHeaders(Http2Headers headers, boolean endStream) {
        if (!bridging || endStream) {
            return FilterStatus.CONTINUE;
        }
        heldResponseHeaders = headers;
        return FilterStatus.STOP_ITERATION;
    }

    @Override
    public FilterStatus encodeData(ByteBuf data, boolean endStream) {
        if (!bridging) {
            return FilterStatus.CONTINUE;
        }
        if (framing && frameHeaderLeft > 0) {
            int n = Math.min(frameHeaderLeft, data.readableBytes());
            data.skipBytes(n);
            frameHeaderLeft -= n;
        }
        return endStream ? FilterStatus.CONTINUE : FilterStatus.STOP_ITERATION_AND_BUFFER;
    }

    @Override
    public FilterStatus encodeTrailers(Http2Headers trailers) {
        if (!bridging || heldResponseHeaders == null) {
            return FilterStatus.CONTINUE;
        }
        Http2Headers h = heldResponseHeaders;
        CharSequence status = trailers.get(GRPC_STATUS);
        if (status != null) {
            if (!isZero(status)) {
                h.status(SERVICE_UNAVAILABLE);
            }
            h.set(GRPC_STATUS, status);
        }
        CharSequence message = trailers.get(GRPC_MESSAGE);
        if (message != null) {
            h.set(GRPC_MESSAGE, message);
        }
        // The whole body is buffered: a length tells an HTTP/1.1 client the response is complete.
        ByteBuf body = encoder.encodingBuffer();
        h.setInt(CONTENT_LENGTH, body == null ? 0 : body.readableBytes());
        return FilterStatus.CONTINUE;
    }

    /** Whether a grpc-status is a number equal to 0 (Envoy's SimpleAtoi: "00" is 0, "+0" too). */
    private static boolean isZero(CharSequence s) {
        String v = s.toString().trim();
        try {
            return Long.parseUnsignedLong(v.startsWith("+") ? v.substring(1) : v) == 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    @Override
    public long bufferedBytes() {
        return requestBody.size();
    }

    @Override
    public void onDestroy() {
        requestBody.release();
    }
}
