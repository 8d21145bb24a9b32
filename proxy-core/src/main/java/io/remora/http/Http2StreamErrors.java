package io.remora.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;

/**
 * What a downstream {@link Http2Connection} makes of a stream error, as Envoy's default codec
 * (oghttp2) would. One about a request's header block (Envoy's messaging errors: a malformed field,
 * a missing or repeated pseudo-header) costs the connection, unless stream_error_on_invalid_http_message
 * says only its stream; counted in {@code http2.rx_messaging_error} either way. Any other (a DATA
 * frame past its content-length, a WINDOW_UPDATE of 0 on a stream) resets the stream alone, with
 * no messaging error (oghttp2's HandleContentLengthError, OnWindowUpdate). A frame of the wrong
 * size is the connection's error, as every framing error of oghttp2's decoder.
 */
final class Http2StreamErrors {

    private final Http2Connection conn;
    /** The requests' HPACK decoder, or null when the codec kept Netty's: then every stream error is the block's. */
    private final HeaderBlockDecoder headers;
    /** The peer acknowledged our SETTINGS: their MAX_CONCURRENT_STREAMS is its to keep. */
    private boolean settingsAcked;

    Http2StreamErrors(Http2Connection conn, HeaderBlockDecoder headers) {
        this.conn = conn;
        this.headers = headers;
    }

    /**
     * The stream error Netty's handler is to answer (RST_STREAM), or null when it was dealt with
     * here: dropped, or turned into the connection's error.
     */
    Http2Exception.StreamException onStreamError(ChannelHandlerContext ctx, boolean outbound, Throwable cause,
                                                 Http2Exception.StreamException e) {
        int id = e.streamId();
        boolean headerBlock = headers == null || headers.decoding(id);
        boolean contentLength = !outbound && headers != null && headers.contentLengthAtEnd(id);
        boolean extraBlock = !outbound && headers != null && headers.extraBlock(id);
        delivered();
        if (extraBlock) {
            // Not a messaging error: the connection's, whatever stream_error_on_invalid_http_message says.
            conn.onConnectionError(ctx, false, cause, Http2Exception.connectionError(Http2Error.PROTOCOL_ERROR,
                    "%s", e.getMessage()));
            return null;
        }
        if (!outbound && e.error() == Http2Error.FRAME_SIZE_ERROR) {
            // A frame of the wrong size (PRIORITY not 5 octets): Netty resets its stream, oghttp2's
            // decoder fails the connection (Http2DecoderAdapter::OnFrameSizeError, LatchErrorAndNotify).
            conn.onConnectionError(ctx, false, cause, Http2Exception.connectionError(Http2Error.FRAME_SIZE_ERROR,
                    "%s", e.getMessage()));
            return null;
        }
        if (contentLength) {
            // END_STREAM on HEADERS short of the content-length: oghttp2's HandleContentLengthError
            // resets the stream and reports a messaging error whose failure it ignores, so the
            // connection stays whatever stream_error_on_invalid_http_message says.
            conn.cx.hcm.stats.http2RxMessagingError.increment();
            if (conn.streamFor(id) == null) {
                Http2DownstreamStream.refusedBeforeOpen(conn, Http2DownstreamStream.MESSAGING_RULE, false);
            }
            return e;
        }
        io.netty.handler.codec.http2.Http2Connection.Endpoint<?> peer = conn.connection().remote();
        if (!outbound && e.error() == Http2Error.REFUSED_STREAM && settingsAcked && opening(id) && !peer.canOpenStream()) {
            // Past the MAX_CONCURRENT_STREAMS the peer acknowledged: oghttp2's OnHeaders fails the
            // connection (kExceededMaxConcurrentStreams, PROTOCOL_ERROR, as nghttp2); before the
            // acknowledgement the stream is refused, as here.
            conn.onConnectionError(ctx, false, cause, Http2Exception.connectionError(Http2Error.PROTOCOL_ERROR,
                    "%s", e.getMessage()));
            return null;
        }
        if (!outbound && e.error() == Http2Error.REFUSED_STREAM && opening(id) && !peer.canOpenStream()) {
            // Refused before our SETTINGS were acknowledged: Envoy's onInvalidFrame (kRefusedStream).
            conn.cx.hcm.stats.http2Streams.streamRefusedErrors().increment();
        }
        if (!outbound && e.error() == Http2Error.STREAM_CLOSED && conn.connection().stream(id) == null
                && peer.isValidStreamId(id) && id <= peer.lastStreamCreated()) {
            // DATA for a stream already closed: oghttp2's OnDataFrameHeader drops it where Netty
            // would reset the stream again; its bytes were returned to the connection window.
            return null;
        }
        return classified(ctx, outbound, cause, e, headerBlock);
    }

    /** As {@link #onStreamError} for an error known to be about the request's header block or not. */
    Http2Exception.StreamException classified(ChannelHandlerContext ctx, boolean outbound, Throwable cause,
                                              Http2Exception.StreamException e, boolean headerBlock) {
        boolean tooLarge = e instanceof Http2Exception.HeaderListSizeException;
        boolean invalid = !outbound && headerBlock && e.error() == Http2Error.PROTOCOL_ERROR;
        if ((tooLarge || invalid) && !outbound && opening(e.streamId())) {
            // The decoder refused the HEADERS that open this stream.
            Http2DownstreamStream.refusedBeforeOpen(conn, tooLarge ? Http2DownstreamStream.TOO_MANY_HEADERS
                    : Http2DownstreamStream.INVALID_HEADER_FIELD, !tooLarge);
        }
        if (tooLarge && !outbound) {
            // Past max_request_headers_kb: Envoy's codec fails its header callback, and the library
            // resets the stream with INTERNAL_ERROR (nghttp2's TEMPORAL_CALLBACK_FAILURE, oghttp2's
            // HEADER_RST_STREAM alike). No invalid message.
            conn.cx.hcm.stats.http2HeaderOverflow.increment();
            return (Http2Exception.StreamException) Http2Exception.headerListSizeError(e.streamId(),
                    Http2Error.INTERNAL_ERROR, true, "%s", e.getMessage());
        }
        if (invalid) {
            conn.cx.hcm.stats.http2RxMessagingError.increment();
            if (!conn.cx.hcm.config.streamErrorOnInvalidHttpMessage()) {
                conn.closeForInvalidRequest(ctx, cause, Http2Exception.connectionError(Http2Error.PROTOCOL_ERROR,
                        "invalid request on stream %d: %s", e.streamId(), e.getMessage()));
                return null;
            }
        }
        return e;
    }

    /** The peer acknowledged our SETTINGS. */
    void settingsAcked() {
        settingsAcked = true;
    }

    /** Stream {@code streamId} was answered and reset while its header block was still arriving. */
    void answeredBeforeItsBlock(int streamId) {
        if (headers != null) {
            headers.answeredBeforeItsBlock(streamId);
        }
    }

    /** The listener has the HEADERS being decoded: stream errors from now on are not about its block. */
    void delivered() {
        if (headers != null) {
            headers.delivered();
        }
    }

    /**
     * The last stream a connection error's GOAWAY names: Envoy's codec names the highest stream
     * opened (oghttp2's LatchErrorAndNotify, highest_processed_stream_id_), the refused one
     * included; {@code fallback} when not known.
     */
    int lastStreamForGoAway(int fallback) {
        if (headers == null) {
            return fallback;
        }
        int last = headers.highestOpened();
        return conn.connection().goAwaySent() ? Math.min(last, conn.connection().remote().lastStreamKnownByPeer()) : last;
    }

    /** A stream id the peer is opening now: valid for it, past the last it opened, unknown to Netty. */
    private boolean opening(int streamId) {
        io.netty.handler.codec.http2.Http2Connection c = conn.connection();
        return c.stream(streamId) == null && c.remote().isValidStreamId(streamId)
                && streamId > c.remote().lastStreamCreated();
    }
}
