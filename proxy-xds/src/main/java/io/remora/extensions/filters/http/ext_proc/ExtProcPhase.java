package io.remora.extensions.filters.http.ext_proc;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.concurrent.ScheduledFuture;
import io.remora.http.filter.FilterStatus;

/**
 * One direction (request or response) of an ext_proc filter, as Envoy's ProcessorState: what has
 * arrived, what the processor has been sent and is being waited for, and what this filter holds
 * back from the filters after it. Headers are held while the processor has them and, for a
 * buffered body, until the body's answer; a buffered body is owned here and handed on (maybe
 * replaced) when its answer came. Event-loop confined.
 */
final class ExtProcPhase {

    enum Awaiting { NONE, HEADERS, BODY, TRAILERS }

    private enum Step { SENT, WAIT, READY }

    final boolean request;
    private final ExtProcFilter filter;
    Http2Headers headers;
    Http2Headers trailers;
    CompositeByteBuf body;
    Awaiting awaiting = Awaiting.NONE;
    private boolean headersDone;
    private boolean endSeen;
    private boolean bodyComplete;
    private boolean bodySent;
    private boolean trailersSent;
    private ScheduledFuture<?> timer;

    ExtProcPhase(ExtProcFilter filter, boolean request) {
        this.filter = filter;
        this.request = request;
    }

    private boolean inactive() {
        return filter.processingComplete() || !filter.mode().sendsAnything(request) && awaiting == Awaiting.NONE
                && body == null;
    }

    FilterStatus onHeaders(Http2Headers h, boolean endStream) {
        headers = h;
        endSeen = endStream;
        if (inactive()) {
            headersDone = true;
            return FilterStatus.CONTINUE;
        }
        if (filter.mode().sendsHeaders(request)) {
            filter.sendHeaders(this, h, endStream);
            awaiting = Awaiting.HEADERS;
            return FilterStatus.STOP_ITERATION;
        }
        headersDone = true;
        return next() == Step.READY ? FilterStatus.CONTINUE : FilterStatus.STOP_ITERATION;
    }

    FilterStatus onData(ByteBuf data, boolean endStream) {
        endSeen |= endStream;
        if (inactive()) {
            return FilterStatus.CONTINUE;
        }
        if (filter.mode().buffersBody(request) && !bodySent) {
            if (body == null) {
                body = data.alloc().compositeBuffer();
            }
            body.addComponent(true, data);
            if (body.readableBytes() > filter.bufferLimit()) {
                body.release();
                body = null;
                filter.bufferOverflow(request);
                return FilterStatus.STOP_ITERATION;
            }
            bodyComplete = endStream;
            if (awaiting == Awaiting.NONE) {
                next();
            }
            return FilterStatus.STOP_ITERATION;
        }
        return awaiting == Awaiting.NONE ? FilterStatus.CONTINUE : FilterStatus.STOP_ITERATION_AND_BUFFER;
    }

    FilterStatus onTrailers(Http2Headers t) {
        trailers = t;
        endSeen = true;
        if (inactive()) {
            return FilterStatus.CONTINUE;
        }
        if (body != null && !bodySent) {
            bodyComplete = true;
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
        if (filter.mode().buffersBody(request) && !bodySent) {
            if (body != null && bodyComplete) {
                bodySent = true;
                awaiting = Awaiting.BODY;
                filter.sendBody(this, body, trailers == null);
                return Step.SENT;
            }
            if (body != null || !endSeen) {
                return Step.WAIT;
            }
        }
        if (filter.mode().sendsTrailers(request) && trailers != null && !trailersSent) {
            trailersSent = true;
            awaiting = Awaiting.TRAILERS;
            filter.sendTrailers(this, trailers);
            return Step.SENT;
        }
        return Step.READY;
    }

    /** The answer to what was awaited came and was applied: go on to the next message or let go. */
    void answered() {
        stopTimer();
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
        stopTimer();
        awaiting = Awaiting.NONE;
        release();
    }

    private void release() {
        flushBody();
        filter.resume(request);
    }

    private void flushBody() {
        if (body != null) {
            ByteBuf b = body;
            body = null;
            filter.inject(request, b, endSeen && trailers == null && bodyComplete);
        }
    }

    /** Nothing more will go to the processor in this direction. */
    boolean finished() {
        if (awaiting != Awaiting.NONE) {
            return false;
        }
        ExtProcMode m = filter.mode();
        if (!headersDone) {
            return !m.sendsAnything(request);
        }
        if (m.buffersBody(request) && !bodySent && !(endSeen && body == null)) {
            return false;
        }
        return !(m.sendsTrailers(request) && !trailersSent && !(endSeen && trailers == null));
    }

    void startTimer(ScheduledFuture<?> t) {
        stopTimer();
        timer = t;
    }

    /** Whether a message's timer ran (and is now replaced by {@code t}). */
    boolean restartTimer(java.util.function.Supplier<ScheduledFuture<?>> t) {
        if (timer == null) {
            return false;
        }
        startTimer(t.get());
        return true;
    }

    void stopTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    /** The stream is over: give back what is still held. */
    void destroy() {
        stopTimer();
        if (body != null) {
            body.release();
            body = null;
        }
    }
}
