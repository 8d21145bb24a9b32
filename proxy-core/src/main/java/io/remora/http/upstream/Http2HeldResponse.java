package io.remora.http.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Response DATA and trailers an upstream HTTP/2 stream holds, in arrival order, while its requester
 * is read-disabled: the queue itself (one object, made on the first hold), with the release of
 * what it holds when the stream ends before passing them on. A stream that closes with a complete
 * response still held here is closed for its requester only once that is passed on or dropped:
 * Envoy's deferred stream close, counted in {@code http2.deferred_stream_close} meanwhile
 * (codec_impl.cc onStreamClose, buffered_on_stream_close_).
 */
final class Http2HeldResponse extends ArrayDeque<Http2HeldResponse.Frame> {

    /** Held data (a retained slice the queue owns) or trailers. */
    record Frame(ByteBuf data, boolean endStream, Http2Headers trailers) {
    }

    /** The gauge this queue's deferred close counts in, while it does; null otherwise. */
    private AtomicLong deferredClose;

    Http2HeldResponse() {
        super(4);
    }

    /** The stream closed while this still holds a complete response: counted until it is settled. */
    void closeDeferred(AtomicLong gauge) {
        if (deferredClose == null && !isEmpty()) {
            deferredClose = gauge;
            gauge.incrementAndGet();
        }
    }

    /** After frames were passed on or dropped: a deferred close with nothing left held is over. */
    void settled() {
        if (deferredClose != null && isEmpty()) {
            deferredClose.decrementAndGet();
            deferredClose = null;
        }
    }

    /** Drops what is held, releasing its data. */
    void releaseAll() {
        Frame f;
        while ((f = poll()) != null) {
            if (f.data != null) {
                f.data.release();
            }
        }
        settled();
    }
}
