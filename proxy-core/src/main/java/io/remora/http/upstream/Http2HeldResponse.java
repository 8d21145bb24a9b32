package io.remora.http.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;

import java.util.ArrayDeque;

/**
 * Response DATA and trailers an upstream HTTP/2 stream holds, in arrival order, while its requester
 * is read-disabled: the queue itself (one object, made on the first hold), with the release of
 * what it holds when the stream ends before passing them on.
 */
final class Http2HeldResponse extends ArrayDeque<Http2HeldResponse.Frame> {

    /** Held data (a retained slice the queue owns) or trailers. */
    record Frame(ByteBuf data, boolean endStream, Http2Headers trailers) {
    }

    Http2HeldResponse() {
        super(4);
    }

    /** Drops what is held, releasing its data. */
    void releaseAll() {
        Frame f;
        while ((f = poll()) != null) {
            if (f.data != null) {
                f.data.release();
            }
        }
    }
}
