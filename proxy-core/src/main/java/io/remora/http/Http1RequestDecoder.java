package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequestDecoder;

/**
 * Netty's request decoder with the {@link Http1HeaderGuard} in front of it, in the same pipeline
 * stage: every read is shown to the guard (header budget, header-phase timers) before it is
 * decoded, as a handler of its own did for one more hop per read.
 */
final class Http1RequestDecoder extends HttpRequestDecoder {

    private final Http1HeaderGuard guard;

    Http1RequestDecoder(HttpDecoderConfig config, Http1HeaderGuard guard) {
        super(config);
        this.guard = guard;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof ByteBuf b && !guard.admit(b)) {
            // Shed: nothing of it reaches the decoder.
            b.release();
            ctx.close();
            return;
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        guard.stop();
        super.channelInactive(ctx);
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) throws Exception {
        // An upgrade or tunnel took the connection over: no head is awaited any more.
        guard.stop();
        super.handlerRemoved0(ctx);
    }
}
