package io.remora.extensions.filters.http.ext_proc;

import io.envoyproxy.envoy.service.ext_proc.v3.StreamedBodyResponse;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.http.filter.FilterStatus;

/**
 * One direction in FULL_DUPLEX_STREAMED body mode (Envoy's, trailer mode SEND): headers, each body
 * chunk and the trailers go to the processor as they arrive, without waiting for any answer and
 * without a message timer; the body that goes on is what the processor streams back
 * ({@code streamed_response} chunks, the last with {@code end_of_stream}). The headers go on with
 * their answer (without {@code content-length}), unless trailers already came: then headers, the
 * body streamed back so far and the trailers go on together with the trailers' answer, which also
 * ends the body. Event-loop confined.
 */
final class ExtProcDuplex {

    private final ExtProcFilter filter;
    private final ExtProcPhase phase;
    private boolean headersOut;
    /** Chunks were sent and the processor has not ended the body it streams back. */
    private boolean bodyOut;
    private boolean trailersOut;
    private boolean ended;
    /** A chunk went to the processor: the filter holds no copy of it, so it can no longer fail open. */
    private boolean anyBodySent;

    ExtProcDuplex(ExtProcFilter filter, ExtProcPhase phase) {
        this.filter = filter;
        this.phase = phase;
    }

    FilterStatus onHeaders(Http2Headers h, boolean endStream) {
        ended = endStream;
        if (!endStream) {
            // The body that goes on is the processor's: its length is not known.
            h.remove("content-length");
        }
        if (!filter.mode().sendsHeaders(phase.request)) {
            return FilterStatus.CONTINUE;
        }
        headersOut = true;
        phase.awaiting = ExtProcPhase.Awaiting.HEADERS;
        filter.stream.sendHeaders(phase, h, endStream);
        return FilterStatus.STOP_ITERATION;
    }

    FilterStatus onData(ByteBuf data, boolean endStream) {
        ended |= endStream;
        bodyOut = true;
        anyBodySent = true;
        filter.stream.sendBody(phase, data, endStream);
        data.release();
        return FilterStatus.STOP_ITERATION;
    }

    FilterStatus onTrailers(Http2Headers t) {
        ended = true;
        phase.trailers = t;
        trailersOut = true;
        filter.stream.sendTrailers(phase, t);
        return FilterStatus.STOP_ITERATION;
    }

    /** Null when a headers answer is due, else why it is spurious. */
    String acceptHeaders() {
        return headersOut ? null : "spurious message";
    }

    /** The headers' answer was applied: they go on, unless trailers wait for theirs. */
    void headersAnswered() {
        headersOut = false;
        phase.awaiting = ExtProcPhase.Awaiting.NONE;
        if (!trailersOut) {
            release();
        }
    }

    /** A body answer (Envoy's handleDuplexStreamedBodyResponse); null when applied, else why it is spurious. */
    String body(io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse c) {
        if (headersOut || !bodyOut) {
            return "spurious message";
        }
        if (!c.hasBodyMutation() || !c.getBodyMutation().hasStreamedResponse()) {
            return "spurious message: Normal body mutation response is received while body_mode_ is"
                    + " FULL_DUPLEX_STREAMED";
        }
        StreamedBodyResponse s = c.getBodyMutation().getStreamedResponse();
        boolean end = s.getEndOfStream();
        if (end) {
            bodyOut = false;
        }
        if (!s.getBody().isEmpty() || end) {
            // Trailers, when they came, end the message instead.
            ByteBuf chunk = s.getBody().isEmpty() ? Unpooled.EMPTY_BUFFER
                    : Unpooled.wrappedBuffer(s.getBody().toByteArray());
            filter.inject(phase.request, chunk, end && phase.trailers == null);
        }
        return null;
    }

    /** Null when a trailers answer is due (even before the body's end, as Envoy), else why it is spurious. */
    String acceptTrailers() {
        return trailersOut ? null : "spurious message";
    }

    /** The trailers' answer was applied: the body is over; everything held goes on. */
    void trailersAnswered() {
        trailersOut = false;
        bodyOut = false;
        release();
    }

    /** Lets go what the filter holds: the headers, the body streamed back behind them, the trailers. */
    private void release() {
        filter.resume(phase.request);
    }

    /** Whether a body chunk went to the processor in this direction (Envoy's duplex fail-open limit). */
    boolean anyBodySent() {
        return anyBodySent;
    }

    /** Nothing more goes to or is awaited from the processor in this direction. */
    boolean finished() {
        return ended && !headersOut && !bodyOut && !trailersOut;
    }
}
