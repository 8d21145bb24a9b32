package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;

import java.util.ArrayDeque;

/**
 * The request DATA and trailers a read-disabled downstream HTTP/2 stream holds, in arrival order.
 * DATA stays unconsumed while held, so the client's window closes; it is returned to the windows
 * as it is passed on after the resume. Made for a stream only once it is first held.
 */
final class Http2HeldFrames {

    private record Held(ByteBuf data, boolean endStream, Http2Headers trailers) {
    }

    private final ArrayDeque<Held> queue = new ArrayDeque<>(4);

    boolean isEmpty() {
        return queue.isEmpty();
    }

    void data(ByteBuf data, boolean endStream) {
        queue.add(new Held(data, endStream, null));
    }

    void trailers(Http2Headers trailers) {
        queue.add(new Held(null, true, trailers));
    }

    void release() {
        Held h;
        while ((h = queue.poll()) != null) {
            if (h.data != null) {
                h.data.release();
            }
        }
    }

    /** In order until the stream is read-disabled again (a filter may pause it on the way). */
    void passOn(Http2DownstreamStream s) {
        Held h;
        while (!s.readDisabled() && (h = queue.poll()) != null) {
            ActiveStream active = s.active();
            if (active == null || active.ended()) {
                if (h.data != null) {
                    int n = h.data.readableBytes();
                    h.data.release();
                    s.consumed(n);
                }
                continue;
            }
            if (h.trailers != null) {
                active.decodeTrailers(h.trailers);
            } else {
                int n = h.data.readableBytes();
                active.decodeData(h.data, h.endStream);
                s.consumed(n);
            }
        }
    }
}
