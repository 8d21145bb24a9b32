package io.remora.http.upstream;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.remora.http.HeaderBlockDecoder;
import io.remora.stats.ClusterStats;

/**
 * What an upstream's fault on an {@link Http2UpstreamConnection} costs, as Envoy's codec client
 * decides it with its default codec, oghttp2:
 * <ul>
 * <li>a fault in a response's header block (a malformed or connection-specific field, a missing or
 * malformed :status, a 1xx that ends the stream, DATA before the HEADERS) is a messaging error: it
 * costs the connection unless override_stream_error_on_invalid_http_message says only its stream,
 * and its stream ends as a protocol error (onInvalidFrame, reset_due_to_messaging_error_);</li>
 * <li>END_STREAM on HEADERS short of their content-length is a messaging error too, but oghttp2's
 * HandleContentLengthError ignores the codec's answer: only the stream is reset;</li>
 * <li>any other stream error (DATA past or short of the content-length, a stream window broken)
 * is the library's own RST_STREAM, with no messaging error, which Envoy's onStreamClose reports to
 * the requester as a remote reset;</li>
 * <li>a connection error (HPACK, a frame for a stream that never was, a PUSH_PROMISE after
 * ENABLE_PUSH 0, a window overflow, a flood) fails Envoy's dispatch: the codec client counts
 * upstream_cx_protocol_error and resets every stream still in flight as a protocol error.</li>
 * </ul>
 */
final class Http2UpstreamErrors {
    private final Http2UpstreamConnection conn;
    /** The responses' HPACK decoder, or null when the codec kept Netty's: then every stream error is the block's. */
    private final HeaderBlockDecoder headers;
    private final ClusterStats stats;
    private final boolean streamErrorOnInvalidMessage;
    /** The connection is closing for an error of the upstream's (Envoy's CodecClient protocol_error_). */
    private boolean protocolError;

    Http2UpstreamErrors(Http2UpstreamConnection conn, HeaderBlockDecoder headers, ClusterStats stats,
                        boolean streamErrorOnInvalidMessage) {
        this.conn = conn;
        this.headers = headers;
        this.stats = stats;
        this.streamErrorOnInvalidMessage = streamErrorOnInvalidMessage;
    }

    boolean protocolError() {
        return protocolError;
    }

    /** The listener has the HEADERS being decoded: stream errors from now on are not about its block. */
    void delivered() {
        if (headers != null) {
            headers.delivered();
        }
    }

    /**
     * A stream error Netty's decoder raised: the error Netty is to answer with RST_STREAM, or null
     * when it was dealt with here.
     */
    Http2Exception.StreamException onStreamError(ChannelHandlerContext ctx, Throwable cause,
                                                 Http2Exception.StreamException e) {
        int id = e.streamId();
        Http2UpstreamStream s = conn.streamFor(id);
        if (e instanceof Http2Exception.HeaderListSizeException) {
            // Past max_response_headers_kb: as a count past its limit (Http2UpstreamResponse.refuseResponse).
            stats.http2HeaderOverflow.increment();
            if (s != null) {
                Http2UpstreamResponse.refuseResponse(s);
                return null;
            }
            return e;
        }
        boolean contentLength = headers != null && headers.contentLengthAtEnd(id);
        boolean block = headers == null || headers.decoding(id);
        delivered();
        if (block && !contentLength && e.error() == Http2Error.PROTOCOL_ERROR) {
            return invalid(ctx, cause, e, s);
        }
        if (contentLength) {
            stats.http2RxMessagingError.increment();
        }
        if (s != null) {
            // With the override, Envoy's codec marks the stream's reset as the messaging error's.
            s.resetByCodec(contentLength && streamErrorOnInvalidMessage ? ResetReason.PROTOCOL_ERROR
                    : ResetReason.REMOTE_RESET);
        }
        return e;
    }

    /**
     * A messaging error on stream {@code e.streamId()}: its stream ends as a protocol error, the
     * connection goes too unless the cluster says only the stream. The error Netty is to answer
     * with RST_STREAM, or null when the connection's error was raised instead.
     */
    Http2Exception.StreamException invalid(ChannelHandlerContext ctx, Throwable cause,
                                           Http2Exception.StreamException e, Http2UpstreamStream s) {
        stats.http2RxMessagingError.increment();
        if (s != null) {
            s.protocolError();
        }
        if (streamErrorOnInvalidMessage) {
            return e;
        }
        conn.onConnectionError(ctx, false, cause, Http2Exception.connectionError(Http2Error.PROTOCOL_ERROR,
                "invalid response on stream %d: %s", e.streamId(), e.getMessage()));
        return null;
    }

    /** The upstream broke the connection: counted once, and every stream in flight ends as a protocol error. */
    void connectionError() {
        if (!protocolError) {
            protocolError = true;
            stats.upstreamCxProtocolError.increment();
        }
    }
}
