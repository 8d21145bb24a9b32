package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.http.filter.FilterStatus;

/**
 * One direction of a stream's filter chain (Envoy's FilterManager decode or encode half): passes
 * headers, body and trailers from filter to filter in order, holds them where a filter stopped
 * iteration, buffers body for filters that asked so, and resumes where the filter continues.
 *
 * <p>Invariant: what a filter sees arrives in order (headers, data..., trailers), so data waiting
 * before filter {@code i} blocks later data and trailers at {@code i} too. Event-loop confined.
 */
abstract class FilterIteration {

    /** The filter holding the headers, or -1. */
    private int headersAt = -1;
    /** That filter asked to hold body and trailers too (they are buffered before it). */
    private boolean stopAll;
    private Http2Headers heldHeaders;
    private boolean heldHeadersEnd;
    /** Body waiting to enter filter {@link #bufferEntry}; null when none. */
    private ByteBuf buffered;
    private int bufferEntry;
    private boolean bufferEnd;
    private Http2Headers heldTrailers;
    private int trailersEntry;
    /** Headers have been handed to some filter (or past the chain). */
    boolean headersStarted;
    /** Body a filter added while it saw headers that end the stream (see {@link #addBodyToHeaders}). */
    private ByteBuf addedBody;

    /** How many filters this direction has (fixed for the stream). */
    abstract int size();

    abstract FilterStatus callHeaders(int i, Http2Headers headers, boolean endStream);

    abstract FilterStatus callData(int i, ByteBuf data, boolean endStream);

    abstract FilterStatus callTrailers(int i, Http2Headers trailers);

    /** What passed every filter. */
    abstract void emitHeaders(Http2Headers headers, boolean endStream);

    abstract void emitData(ByteBuf data, boolean endStream);

    abstract void emitTrailers(Http2Headers trailers);

    /** The stream (or this direction) is over: stop iterating. */
    abstract boolean done();

    abstract int bufferLimit();

    /** Buffered body outgrew {@link #bufferLimit()} (the buffer was already released). */
    abstract void onBufferOverflow();

    /** Where held bodies grow their composite buffers. */
    abstract io.netty.buffer.ByteBufAllocator alloc();

    // ------------------------------------------------------------------ entry points

    void headers(int from, Http2Headers headers, boolean endStream) {
        headersStarted = true;
        for (int i = from, size = size(); i < size; i++) {
            FilterStatus s = callHeaders(i, headers, endStream);
            ByteBuf added = addedBody;
            addedBody = null;
            if (done()) {
                release(added);
                return;
            }
            if (added != null && endStream) {
                headersThenBody(i, s, headers, added);
                return;
            }
            release(added);
            if (s != FilterStatus.CONTINUE) {
                headersAt = i;
                stopAll = s != FilterStatus.STOP_ITERATION;
                heldHeaders = headers;
                heldHeadersEnd = endStream;
                return;
            }
        }
        emitHeaders(headers, endStream);
    }

    /**
     * Envoy's addDecodedData / addEncodedData from a filter's headers callback that sees the end of
     * the stream (a transcoder turning a GET into a message), or before the filter continues such
     * headers it held: the headers go on without the end, followed by {@code data} ending the
     * stream. Ignored (released) at any other time.
     */
    void addBodyToHeaders(ByteBuf data) {
        if (addedBody == null) {
            addedBody = data;
        } else {
            addedBody = append(addedBody, data);
        }
    }

    private void headersThenBody(int i, FilterStatus s, Http2Headers headers, ByteBuf body) {
        if (s != FilterStatus.CONTINUE) {
            headersAt = i;
            stopAll = s != FilterStatus.STOP_ITERATION;
            heldHeaders = headers;
            heldHeadersEnd = false;
        } else {
            headers(i + 1, headers, false);
            if (done()) {
                body.release();
                return;
            }
        }
        data(i + 1, body, true);
    }

    private static void release(ByteBuf b) {
        if (b != null) {
            b.release();
        }
    }

    void data(int from, ByteBuf data, boolean endStream) {
        if (from >= size() && !done() && blocked(from)) {
            // Injected by the last filter while its headers are still held: the body waits behind them.
            addToBuffer(data, from, endStream);
            return;
        }
        for (int i = from, size = size(); i < size; i++) {
            if (done()) {
                data.release();
                return;
            }
            if (blocked(i)) {
                addToBuffer(data, i, endStream);
                return;
            }
            FilterStatus s = callData(i, data, endStream);
            if (s == FilterStatus.STOP_ITERATION) {
                return; // the filter owns it now
            }
            if (done()) {
                data.release();
                return;
            }
            if (s != FilterStatus.CONTINUE) {
                addToBuffer(data, i + 1, endStream);
                return;
            }
            if (buffered != null && bufferEntry == i + 1) {
                // The filter had been buffering and now lets everything go.
                data = append(takeBuffer(), data);
            }
            if (headersAt == i) {
                releaseHeaders();
                if (done()) {
                    data.release();
                    return;
                }
            }
        }
        if (done()) {
            data.release();
            return;
        }
        emitData(data, endStream);
    }

    void trailers(int from, Http2Headers trailers) {
        for (int i = from, size = size(); i < size; i++) {
            if (done()) {
                return;
            }
            if (blocked(i)) {
                heldTrailers = trailers;
                trailersEntry = i;
                return;
            }
            FilterStatus s = callTrailers(i, trailers);
            if (done()) {
                return;
            }
            if (s != FilterStatus.CONTINUE) {
                heldTrailers = trailers;
                trailersEntry = i + 1;
                return;
            }
            if (headersAt == i) {
                releaseHeaders();
            }
            if (buffered != null && bufferEntry == i + 1 && !done()) {
                ByteBuf d = takeBuffer();
                data(i + 1, d, false);
            }
        }
        if (!done()) {
            if (buffered != null) {
                // Data is still held somewhere before the end: trailers wait behind it.
                heldTrailers = trailers;
                trailersEntry = bufferEntry;
                return;
            }
            emitTrailers(trailers);
        }
    }

    /** Filter {@code i} resumes iteration (continueDecoding / continueEncoding). */
    void continueFrom(int i) {
        if (done()) {
            return;
        }
        boolean heldAll = false;
        if (headersAt == i && heldHeadersEnd && addedBody != null) {
            // Body added while the filter held headers that ended the stream (Envoy's
            // commonContinue): the headers go on without the end, the body ends the stream.
            ByteBuf added = addedBody;
            addedBody = null;
            heldHeadersEnd = false;
            releaseHeaders();
            if (done()) {
                added.release();
                return;
            }
            data(i + 1, added, true);
            return;
        }
        if (headersAt == i) {
            heldAll = stopAll;
            releaseHeaders();
            if (done()) {
                return;
            }
        }
        if (buffered != null && (bufferEntry == i + 1 || bufferEntry == i && heldAll)) {
            int entry = bufferEntry;
            boolean end = bufferEnd && heldTrailers == null;
            ByteBuf d = takeBuffer();
            data(entry, d, end);
            if (done()) {
                return;
            }
        }
        if (heldTrailers != null && buffered == null && (trailersEntry == i + 1 || trailersEntry == i)) {
            Http2Headers t = heldTrailers;
            int entry = trailersEntry;
            heldTrailers = null;
            trailers(entry, t);
        }
    }

    /** Body a filter buffered with STOP_ITERATION_AND_BUFFER (waiting after filter {@code i}). */
    ByteBuf bufferedAfter(int i) {
        return buffered != null && (bufferEntry == i + 1 || bufferEntry == i) ? buffered : null;
    }

    /** Bytes of body held for a filter that asked to buffer. */
    long bufferedBytes() {
        return buffered == null ? 0 : buffered.readableBytes();
    }

    /** Releases what is held (the stream is over). */
    void release() {
        if (buffered != null) {
            buffered.release();
            buffered = null;
        }
        heldHeaders = null;
        heldTrailers = null;
        release(addedBody);
        addedBody = null;
    }

    // ------------------------------------------------------------------ internals

    /** Whether body or trailers must wait before filter {@code i}. */
    private boolean blocked(int i) {
        if (headersAt >= 0 && (headersAt < i || headersAt == i && stopAll)) {
            return true;
        }
        return buffered != null && bufferEntry <= i;
    }

    private void releaseHeaders() {
        int at = headersAt;
        Http2Headers h = heldHeaders;
        boolean end = heldHeadersEnd;
        headersAt = -1;
        stopAll = false;
        heldHeaders = null;
        headers(at + 1, h, end);
    }

    private void addToBuffer(ByteBuf data, int entry, boolean endStream) {
        if (buffered == null) {
            buffered = data;
            bufferEntry = entry;
        } else {
            buffered = append(buffered, data);
            bufferEntry = Math.min(bufferEntry, entry);
        }
        bufferEnd |= endStream;
        if (buffered.readableBytes() > bufferLimit()) {
            buffered.release();
            buffered = null;
            onBufferOverflow();
        }
    }

    private ByteBuf takeBuffer() {
        ByteBuf b = buffered;
        buffered = null;
        bufferEnd = false;
        return b;
    }

    private ByteBuf append(ByteBuf head, ByteBuf tail) {
        return io.remora.network.ByteBufAppend.append(alloc(), head, tail);
    }
}
