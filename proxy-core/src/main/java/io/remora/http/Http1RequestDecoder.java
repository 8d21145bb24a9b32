package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.remora.http.upstream.Http1Parser;

/**
 * The downstream connection's bytes into its {@link Http1Parser}, whose events go straight to the
 * {@link Http1Connection} (no message objects travel the pipeline). The {@link Http1HeaderGuard}
 * sees every read before it is parsed: header budget and header-phase timers.
 *
 * <p>When an upgrade or tunnel takes the connection over, this stage leaves the pipeline and
 * hands on the bytes it had not parsed, as they are, to the stages after it: the tunnel, or the
 * HTTP/2 codec an h2c upgrade installs (once it is there: removal while a read is being parsed
 * defers the hand-over to the end of that read).
 */
final class Http1RequestDecoder extends ChannelInboundHandlerAdapter {

    private final Http1HeaderGuard guard;
    final Http1Parser parser;
    private ChannelHandlerContext ctx;
    private boolean reading;
    private boolean resuming;
    private boolean removed;

    Http1RequestDecoder(Http1HeaderGuard guard, int maxHeadBytes, Http1Parser.Listener listener) {
        this.guard = guard;
        // As before with Netty's decoder: the request line and the header section each up to the limit.
        this.parser = new Http1Parser(true, maxHeadBytes, maxHeadBytes, listener);
    }

    ChannelHandlerContext context() {
        return ctx;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf b) || removed) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (!guard.admit(b.readableBytes())) {
            // Shed: nothing of it is parsed.
            b.release();
            ctx.close();
            return;
        }
        reading = true;
        try {
            parser.feed(ctx.alloc(), b);
        } finally {
            reading = false;
            if (removed) {
                handOver();
            }
        }
    }

    /** Parses what waited while the request before it was answered; the header phase restarts if bytes wait. */
    void resume() {
        if (removed) {
            return;
        }
        int buffered = parser.buffered();
        if (buffered > 0 && !guard.admit(buffered)) {
            parser.release();
            ctx.close();
            return;
        }
        reading = true;
        resuming = true;
        try {
            parser.resume();
        } finally {
            reading = false;
            resuming = false;
            if (removed) {
                handOver();
            }
        }
    }

    /** Whether the parser is on bytes that were read while the request before them was in progress. */
    boolean resuming() {
        return resuming;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        guard.stop();
        parser.release();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        // An upgrade or tunnel took the connection over: no head is awaited any more.
        guard.stop();
        removed = true;
        parser.stop();
        if (!reading) {
            handOver();
        }
    }

    private void handOver() {
        ByteBuf rest = parser.takeRemaining();
        parser.release();
        if (rest != null) {
            ctx.fireChannelRead(rest);
        }
    }
}
