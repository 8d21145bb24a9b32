package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Exception;

/**
 * How a downstream HTTP/2 connection closes for the peer's connection error. Envoy's
 * {@code handleCodecError} closes with {@code FlushWriteAndDelay} where Netty closes once the
 * GOAWAY is written: closing with the client's bytes unread resets the connection, and the reset
 * can overtake the GOAWAY. So the GOAWAY goes out, then the connection's delayed close: FIN, what
 * comes is dropped, closed on the client's FIN or at delayed_close_timeout.
 */
final class Http2ErrorGoAway {

    private Http2ErrorGoAway() {
    }

    /**
     * Writes the GOAWAY naming {@code lastStream} past the handler's {@code goAway()}, whose
     * completion closes the connection for any error code, then starts the delayed close.
     */
    static void writeThenDelayClose(Http2ConnectionHandler handler, ChannelHandlerContext ctx, int lastStream,
                                    Http2Exception error, HttpConnectionManager hcm) {
        long code = error.error().code();
        ByteBuf debug = Http2CodecUtil.toByteBuf(ctx, error);
        ChannelFutureListener close = DelayedClose.below(ctx, hcm.config.delayedCloseTimeout(),
                hcm.stats.downstreamCxDelayedCloseTimeout);
        boolean first;
        try {
            first = handler.connection().goAwaySent(lastStream, code, debug);
        } catch (Http2Exception e) {
            first = false;
        }
        if (first) {
            handler.encoder().frameWriter().writeGoAway(ctx, lastStream, code, debug, ctx.newPromise())
                    .addListener(close);
        } else {
            // A GOAWAY went already (a drain's): the delayed close follows what is written.
            debug.release();
            ctx.write(Unpooled.EMPTY_BUFFER).addListener(close);
        }
        handler.flush(ctx);
    }
}
