package io.remora.extensions.filters.http.ext_proc;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.extensions.filters.http.ext_proc.ExtProcMode.Body;
import io.remora.http.filter.FilterStatus;

/**
 * One direction (request or response) of an ext_proc filter, as Envoy's ProcessorState: what has
 * arrived, what the processor has been sent and is being waited for, and what this filter holds
 * back from the filters after it. Headers are held while the processor has them and, for a
 * buffered body, until the body's answer; a buffered body is owned here and handed on (maybe
 * replaced) when its answer came. A streamed body goes chunk by chunk: each is sent as it arrives
 * (what came while the headers were with the processor goes as one chunk) and handed on, in order,
 * when its answer came; the headers go on as soon as their own answer came. A partially buffered
 * body is buffered until it ends or reaches the buffer limit, then sent (with end_of_stream false
 * in the second case); whatever follows goes on unprocessed. Event-loop confined.
 */
final class ExtProcPhase {

    enum Awaiting { NONE, HEADERS, BODY, TRAILERS }

    private enum Step { SENT, WAIT, READY }

    final boolean request;
    private final ExtProcFilter filter;
    Http2Headers headers;
    Http2Headers trailers;
    CompositeByteBuf body;
    /** BUFFERED_PARTIAL: what arrived while the partial body was with the processor; goes on after it. */
    private CompositeByteBuf after;
    Awaiting awaiting = Awaiting.NONE;
    private boolean headersDone;
    private boolean endSeen;
    private boolean bodyComplete;
    private boolean bodySent;
    private boolean trailersSent;
    /** STREAMED: chunks sent and not yet answered. */
    private final ExtProcChunks inFlight = new ExtProcChunks();
    /** STREAMED: the headers went on before the body (released on their own answer). */
    private boolean headersReleased;
    private final ExtProcWatermark watermark;
    final ExtProcMessageTimer timer = new ExtProcMessageTimer();
    /** This direction's attributes went with a message (Envoy sends them once per direction). */
    boolean attributesSent;
    /** The headers ended the message. */
    private boolean headersEnded;
    /** CONTINUE_AND_REPLACE replaced the body: whatever else of it arrives is dropped. */
    private boolean bodyReplaced;
    /** FULL_DUPLEX_STREAMED: this direction's exchange, which replaces the rest of this class's flow; else null. */
    ExtProcDuplex duplex;

    ExtProcPhase(ExtProcFilter filter, boolean request) {
        this.filter = filter;
        this.request = request;
        this.watermark = new ExtProcWatermark(filter, request);
    }

    private boolean inactive() {
        return filter.processingComplete() || !filter.mode().sendsAnything(request) && awaiting == Awaiting.NONE
                && body == null;
    }

    FilterStatus onHeaders(Http2Headers h, boolean endStream) {
        headers = h;
        endSeen = endStream;
        headersEnded = endStream;
        if (inactive()) {
            headersDone = true;
            return FilterStatus.CONTINUE;
        }
        if (filter.mode().body(request) == Body.FULL_DUPLEX_STREAMED) {
            duplex = new ExtProcDuplex(filter, this);
            return duplex.onHeaders(h, endStream);
        }
        if (filter.mode().sendsHeaders(request)) {
            filter.stream.sendHeaders(this, h, endStream);
            awaiting = Awaiting.HEADERS;
            return FilterStatus.STOP_ITERATION;
        }
        headersDone = true;
        if (filter.mode().body(request) == Body.STREAMED) {
            // Chunks are sent as they come; the headers need not wait for them.
            headersReleased = true;
            if (!endStream) {
                h.remove("content-length");
            }
            return FilterStatus.CONTINUE;
        }
        return next() == Step.READY ? FilterStatus.CONTINUE : FilterStatus.STOP_ITERATION;
    }

    FilterStatus onData(ByteBuf data, boolean endStream) {
        endSeen |= endStream;
        if (bodyReplaced) {
            data.skipBytes(data.readableBytes());
            return FilterStatus.CONTINUE;
        }
        if (inactive()) {
            return FilterStatus.CONTINUE;
        }
        if (duplex != null) {
            return duplex.onData(data, endStream);
        }
        Body mode = filter.mode().body(request);
        if (mode == Body.STREAMED && !bodySent) {
            if (headersDone || awaiting == Awaiting.HEADERS && filter.config.sendBodyWithoutWaiting()) {
                sendChunk(data, endStream);
            } else {
                hold(data, endStream);
            }
            return FilterStatus.STOP_ITERATION;
        }
        if ((mode == Body.BUFFERED || mode == Body.BUFFERED_PARTIAL) && !bodySent) {
            hold(data, endStream);
            if (mode == Body.BUFFERED && body.readableBytes() > filter.bufferLimit()) {
                body.release();
                body = null;
                filter.bufferOverflow(request);
                return FilterStatus.STOP_ITERATION;
            }
            if (awaiting == Awaiting.NONE) {
                next();
            }
            return FilterStatus.STOP_ITERATION;
        }
        if (mode == Body.BUFFERED_PARTIAL && awaiting == Awaiting.BODY) {
            // Held here, not by the filter manager: it must go on after the processed part.
            if (after == null) {
                after = data.alloc().compositeBuffer();
            }
            after.addComponent(true, data);
            watermark.held(after.readableBytes());
            return FilterStatus.STOP_ITERATION;
        }
        return awaiting == Awaiting.NONE ? FilterStatus.CONTINUE : FilterStatus.STOP_ITERATION_AND_BUFFER;
    }

    private void hold(ByteBuf data, boolean endStream) {
        if (body == null) {
            body = data.alloc().compositeBuffer();
        }
        body.addComponent(true, data);
        bodyComplete = endStream;
        if (filter.mode().body(request) != Body.BUFFERED) {
            // BUFFERED answers an overflow with 413; the other modes only slow the client down.
            watermark.held(body.readableBytes());
        }
    }

    private void sendChunk(ByteBuf chunk, boolean endStream) {
        long out = inFlight.sent(chunk, endStream);
        if (awaiting != Awaiting.HEADERS) {
            // Chunks sent ahead of their headers' answer are awaited once it came (answered()).
            awaiting = Awaiting.BODY;
        }
        filter.stream.sendBody(this, chunk, endStream);
        watermark.held(out);
    }

    FilterStatus onTrailers(Http2Headers t) {
        trailers = t;
        endSeen = true;
        if (inactive()) {
            return FilterStatus.CONTINUE;
        }
        if (duplex != null) {
            return duplex.onTrailers(t);
        }
        if (body != null && !bodySent) {
            bodyComplete = true;
        }
        if (filter.mode().body(request) == Body.STREAMED && !bodySent && (headersDone || !inFlight.isEmpty())) {
            // Every chunk has been sent without end_of_stream: the body is over.
            bodySent = true;
        }
        if (awaiting != Awaiting.NONE || next() != Step.READY) {
            return FilterStatus.STOP_ITERATION;
        }
        flushBody();
        return FilterStatus.CONTINUE;
    }

    /** Sends the next message this direction owes the processor, if it can be sent now. */
    private Step next() {
        if (!headersDone) {
            return Step.WAIT;
        }
        Body mode = filter.mode().body(request);
        if (mode == Body.STREAMED) {
            Step s = nextChunk();
            if (s != null) {
                return s;
            }
        } else if ((mode == Body.BUFFERED || mode == Body.BUFFERED_PARTIAL) && !bodySent) {
            boolean full = mode == Body.BUFFERED_PARTIAL && body != null && body.readableBytes() > filter.bufferLimit();
            if (body != null && (bodyComplete || full)) {
                bodySent = true;
                awaiting = Awaiting.BODY;
                filter.stream.sendBody(this, body, bodyComplete && trailers == null);
                return Step.SENT;
            }
            if (body != null || !endSeen) {
                return Step.WAIT;
            }
        }
        if (filter.mode().sendsTrailers(request) && trailers != null && !trailersSent) {
            trailersSent = true;
            awaiting = Awaiting.TRAILERS;
            filter.stream.sendTrailers(this, trailers);
            return Step.SENT;
        }
        return Step.READY;
    }

    /** STREAMED: sends what came while the headers were out and lets the headers go on; null when done. */
    private Step nextChunk() {
        if (body != null && !bodySent) {
            CompositeByteBuf b = body;
            body = null;
            if (bodyComplete || trailers != null) {
                bodySent = true;
            }
            sendChunk(b, bodyComplete && trailers == null);
        }
        releaseHeadersAhead();
        return inFlight.isEmpty() ? null : Step.SENT;
    }

    /** STREAMED: later chunks are ours (STOP_ITERATION) and go on one by one; the headers need not wait. */
    private void releaseHeadersAhead() {
        if (!headersReleased && trailers == null && !endSeen) {
            headersReleased = true;
            headers.remove("content-length");
            filter.resume(request);
        }
    }

    /** STREAMED: the answer to the oldest chunk; hands it on (maybe replaced) in order. */
    ByteBuf answeredChunk() {
        ByteBuf chunk = inFlight.answered();
        if (inFlight.bytes() <= filter.bufferLimit() / 2) {
            watermark.clear();
        }
        return chunk;
    }

    /**
     * CONTINUE_AND_REPLACE with a body mutation (Envoy's handleHeadersResponse): the headers go on
     * without {@code content-length}, followed by {@code replacement} (null: the body held so far,
     * unchanged) as the whole body; the rest of the original body is dropped as it arrives. The
     * mode must already say that nothing more of this direction goes to the processor.
     */
    void replaceBody(ByteBuf replacement) {
        bodyReplaced = true;
        headers.remove("content-length");
        if (replacement == null) {
            return;
        }
        ByteBuf held = filter.managerBuffered(request);
        if (held != null) {
            held.skipBytes(held.readableBytes());
        }
        if (body != null) {
            body.release();
            body = null;
        }
        if (headersEnded) {
            filter.addBody(request, replacement);
            return;
        }
        body = replacement.alloc().compositeBuffer();
        body.addComponent(true, replacement);
        bodyComplete = true;
    }

    /** Whether the body sent was all of it (not BUFFERED_PARTIAL cut at the limit). */
    boolean bodyWhole() {
        return bodyComplete;
    }

    boolean streaming() {
        return !inFlight.isEmpty();
    }

    /** STREAMED: hands on an answered chunk; the last one ends the stream unless trailers follow. */
    void forwardChunk(ByteBuf chunk) {
        boolean end = inFlight.allAnsweredAndLastSent();
        if (end) {
            bodySent = true;
        }
        if (headers != null && !headersReleased) {
            headers.remove("content-length");
        }
        if (chunk.isReadable() || end) {
            filter.inject(request, chunk, end);
        } else {
            chunk.release();
        }
    }

    /** The answer to what was awaited came and was applied: go on to the next message or let go. */
    void answered() {
        if (duplex != null) {
            // ExtProcDuplex moved on with the answer itself.
            return;
        }
        if (!inFlight.isEmpty()) {
            // More chunks are out: the timer keeps running for them.
            if (awaiting == Awaiting.HEADERS) {
                // send_body_without_waiting_for_header_response: the headers' answer came after chunks went
                // (Envoy's StreamedBodyCallback next); the headers go on ahead of the answered chunks.
                headersDone = true;
                awaiting = Awaiting.BODY;
                releaseHeadersAhead();
            }
            return;
        }
        timer.stop();
        if (awaiting == Awaiting.HEADERS) {
            headersDone = true;
        }
        awaiting = Awaiting.NONE;
        if (next() == Step.READY) {
            release();
        }
    }

    /** The processor is out of the picture: let everything held go on unchanged. */
    void abandon() {
        timer.stop();
        awaiting = Awaiting.NONE;
        while (!inFlight.isEmpty()) {
            forwardChunk(answeredChunk());
        }
        release();
    }

    private void release() {
        flushBody();
        filter.resume(request);
    }

    private void flushBody() {
        watermark.clear();
        if (body != null) {
            ByteBuf b = body;
            body = null;
            filter.inject(request, b, endSeen && trailers == null && bodyComplete && after == null);
        }
        if (after != null) {
            ByteBuf a = after;
            after = null;
            watermark.clear();
            filter.inject(request, a, endSeen && trailers == null);
        }
    }

    /** Nothing more will go to the processor in this direction. */
    boolean finished() {
        if (duplex != null) {
            return duplex.finished();
        }
        if (awaiting != Awaiting.NONE) {
            return false;
        }
        ExtProcMode m = filter.mode();
        if (!headersDone) {
            return !m.sendsAnything(request);
        }
        if (m.body(request) != Body.NONE && !bodySent && !(endSeen && body == null && inFlight.isEmpty())) {
            return false;
        }
        return !(m.sendsTrailers(request) && !trailersSent && !(endSeen && trailers == null));
    }

    /** The stream is over: give back what is still held. */
    void destroy() {
        timer.stop();
        if (body != null) {
            body.release();
            body = null;
        }
        if (after != null) {
            after.release();
            after = null;
        }
        inFlight.releaseAll();
        watermark.clear();
    }
}
