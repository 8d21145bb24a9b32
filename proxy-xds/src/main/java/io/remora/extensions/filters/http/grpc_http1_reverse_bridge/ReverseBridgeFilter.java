package io.remora.extensions.filters.http.grpc_http1_reverse_bridge;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.extensions.filters.http.common.GrpcMessageBuffer;
import io.remora.http.GrpcHttpStatus;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.EncoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamFilter;
import io.remora.http.upstream.HeaderConversion;
import io.remora.overload.BufferedBytes;

/**
 * Envoy's gRPC HTTP/1.1 reverse bridge for one stream. A gRPC request with a body goes upstream
 * with content-type and accept set to the configured type (with withhold_grpc_frames, without the
 * 5-byte frame header); the answer must have that content-type (else a trailers-only UNKNOWN), gets
 * the client's content-type back, status 200, a frame header again (from response_size_header, or
 * buffering the body to count it) and a grpc-status trailer: 0 for an upstream 200, else Envoy's
 * HTTP-to-gRPC mapping.
 */
final class ReverseBridgeFilter implements StreamFilter, BufferedBytes {

    private static final AsciiString CONTENT_TYPE = AsciiString.cached("content-type");
    private static final AsciiString CONTENT_LENGTH = AsciiString.cached("content-length");
    private static final AsciiString ACCEPT = AsciiString.cached("accept");
    private static final AsciiString GRPC_STATUS = AsciiString.cached("grpc-status");
    private static final AsciiString OK = AsciiString.cached("200");
    private static final int FRAME_HEADER = GrpcMessageBuffer.FRAME_HEADER;
    private static final int UNKNOWN = 2;
    private static final int INTERNAL = 13;

    private final ReverseBridgeConfig config;
    private final AsciiString upstreamType;
    private DecoderFilterCallbacks decoder;
    private EncoderFilterCallbacks encoder;
    private boolean enabled;
    private boolean prefixStripped;
    private boolean frameHeaderAdded;
    private CharSequence clientContentType;
    private int grpcStatus;
    private long responseLength;
    private long upstreamBytes;
    /** Buffered response (withhold_grpc_frames without response_size_header). */
    private final GrpcMessageBuffer body = new GrpcMessageBuffer();

    ReverseBridgeFilter(ReverseBridgeConfig config) {
        this.config = config;
        this.upstreamType = new AsciiString(config.contentType());
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
        if (endStream) {
            return FilterStatus.CONTINUE;
        }
        if (decoder.perFilterConfig() instanceof ReverseBridgePerRoute p && p.disabled()) {
            return FilterStatus.CONTINUE;
        }
        CharSequence ct = headers.get(CONTENT_TYPE);
        if (headers.path() == null || !GrpcMessageBuffer.isGrpcContentType(ct)) {
            return FilterStatus.CONTINUE;
        }
        enabled = true;
        // Kept to answer with the client's own variant (application/grpc+proto...).
        clientContentType = ct;
        headers.set(CONTENT_TYPE, upstreamType);
        headers.set(ACCEPT, upstreamType);
        if (config.withholdGrpcFrames()) {
            adjustLength(headers, -FRAME_HEADER);
        }
        decoder.clearRouteCache();
        return FilterStatus.CONTINUE;
    }

    /** Envoy's adjustContentLength: only a parsable, non-zero length changes. */
    private static void adjustLength(Http2Headers headers, int delta) {
        CharSequence v = headers.get(CONTENT_LENGTH);
        long n = v == null ? -1 : parse(v);
        if (n > 0) {
            headers.set(CONTENT_LENGTH, Long.toString(n + delta));
        }
    }

    private static long parse(CharSequence v) {
        try {
            return Long.parseLong(v.toString().trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public FilterStatus decodeData(ByteBuf data, boolean endStream) {
        if (enabled && config.withholdGrpcFrames() && !prefixStripped) {
            if (data.readableBytes() < FRAME_HEADER) {
                data.release();
                localReply("invalid request body", UNKNOWN, "grpc_bridge_data_too_small");
                return FilterStatus.STOP_ITERATION;
            }
            data.skipBytes(FRAME_HEADER);
            prefixStripped = true;
        }
        return FilterStatus.CONTINUE;
    }

    private void localReply(String message, int status, String details) {
        // The reply is gRPC already: it must not be bridged again on its way out.
        enabled = false;
        decoder.sendLocalReply(200, message, null, details, null, status);
    }

    @Override
    public FilterStatus encodeHeaders(Http2Headers headers, boolean endStream) {
        if (!enabled) {
            return FilterStatus.CONTINUE;
        }
        CharSequence ct = headers.get(CONTENT_TYPE);
        if (ct == null || !upstreamType.contentEquals(ct)) {
            localReply(ct == null
                    ? "envoy reverse bridge: upstream responded with no content-type header, status code " + headers.status()
                    : "envoy reverse bridge: upstream responded with unsupported content-type " + ct
                            + ", status code " + headers.status(), UNKNOWN, "grpc_bridge_content_type_wrong");
            return FilterStatus.STOP_ITERATION;
        }
        headers.set(CONTENT_TYPE, clientContentType);
        if (config.withholdGrpcFrames()) {
            if (config.responseSizeHeader() != null) {
                CharSequence size = headers.get(config.responseSizeHeader());
                responseLength = -1;
                if (size != null) {
                    String s = size.toString();
                    int comma = s.indexOf(',');
                    responseLength = parse(comma >= 0 ? s.substring(0, comma) : s);
                }
                if (responseLength < 0) {
                    localReply("envoy reverse bridge: upstream did not set content length", INTERNAL,
                            "grpc_bridge_content_length_missing");
                    return FilterStatus.STOP_ITERATION;
                }
                headers.set(CONTENT_LENGTH, Long.toString(responseLength + FRAME_HEADER));
            } else {
                adjustLength(headers, FRAME_HEADER);
            }
        }
        int http = HeaderConversion.parseStatus(headers.status());
        grpcStatus = http == 200 ? 0 : GrpcHttpStatus.fromHttp(http);
        headers.status(OK);
        if (endStream) {
            // Without a body nothing can follow the headers here: the status travels in them (trailers-only).
            headers.remove(CONTENT_LENGTH);
            headers.setInt(GRPC_STATUS, grpcStatus);
        }
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus encodeData(ByteBuf data, boolean endStream) {
        upstreamBytes += data.readableBytes();
        if (!enabled) {
            return FilterStatus.CONTINUE;
        }
        ByteBuf out = data;
        if (config.withholdGrpcFrames()) {
            if (config.responseSizeHeader() != null) {
                if (!frameHeaderAdded) {
                    frameHeaderAdded = true;
                    out = GrpcMessageBuffer.prependFrameHeader(data, responseLength);
                }
                if (endStream && upstreamBytes != responseLength) {
                    out.release();
                    encoder.sendLocalReply(200, "envoy reverse bridge: upstream set incorrect content length", null,
                            "grpc_bridge_content_length_wrong", null, INTERNAL);
                    return FilterStatus.STOP_ITERATION;
                }
            } else {
                body.add(data);
                if (body.size() > encoder.bufferLimit()) {
                    body.release();
                    encoder.resetStream();
                    return FilterStatus.STOP_ITERATION;
                }
                if (!endStream) {
                    return FilterStatus.STOP_ITERATION;
                }
                out = body.takeFramed();
            }
        }
        if (!endStream) {
            if (out == data) {
                return FilterStatus.CONTINUE;
            }
            encoder.injectEncodedDataToFilterChain(out, false);
            return FilterStatus.STOP_ITERATION;
        }
        // The upstream's body ends here; the gRPC response ends with the status trailer.
        encoder.injectEncodedDataToFilterChain(out, false);
        encoder.injectEncodedTrailersToFilterChain(new DefaultHttp2Headers().setInt(GRPC_STATUS, grpcStatus));
        return FilterStatus.STOP_ITERATION;
    }

    @Override
    public FilterStatus encodeTrailers(Http2Headers trailers) {
        if (!enabled) {
            return FilterStatus.CONTINUE;
        }
        trailers.setInt(GRPC_STATUS, grpcStatus);
        if (config.withholdGrpcFrames() && config.responseSizeHeader() == null) {
            encoder.injectEncodedDataToFilterChain(body.takeFramed(), false);
        }
        return FilterStatus.CONTINUE;
    }

    @Override
    public long bufferedBytes() {
        return body.size();
    }

    @Override
    public void onDestroy() {
        body.release();
    }
}
