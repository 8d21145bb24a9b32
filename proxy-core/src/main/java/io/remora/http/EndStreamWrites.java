package io.remora.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Stream;

/**
 * Our side of an HTTP/2 stream closes as its END_STREAM frame is written, for the frames written
 * directly ({@link HeaderFrames}, {@link Http2DataWriter}), both directions.
 *
 * <p>At once, as nghttp2 (Envoy's codec) closes a stream once the frame is in the connection's
 * write buffer: nothing the close sets off can overtake the frame, which is already in the
 * channel's outbound buffer, and a close of the channel it leads to (Netty's graceful close ends
 * with the last stream) flushes it first ({@link FlushCoalescer#close}). Watching the write instead
 * cost a promise and a listener per stream (78 B of the ~1,856 B an HTTP/2 request cost the worker,
 * {@code alloc.sh}).
 */
final class EndStreamWrites {

    private EndStreamWrites() {
    }

    static void closeLocal(Http2ConnectionHandler handler, ChannelHandlerContext ctx, Http2Stream stream) {
        handler.closeStreamLocal(stream, ctx.channel().newSucceededFuture());
    }
}
