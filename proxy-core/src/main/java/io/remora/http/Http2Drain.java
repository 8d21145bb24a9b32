package io.remora.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2Error;

/**
 * The graceful end of a downstream {@link Http2Connection}: its GOAWAYs (the shutdown notice and
 * the final one, at most one of each) and its close once the last stream ended.
 */
final class Http2Drain {

    private final Http2Connection conn;
    private boolean goAwaySent;
    private boolean noticeSent;

    Http2Drain(Http2Connection conn) {
        this.conn = conn;
    }

    /** Called by streams as they end: a draining connection closes after its last stream. */
    void maybeCloseAfterDrain() {
        ChannelHandlerContext ctx = conn.ctx;
        if (goAwaySent && conn.cx.activeStreams == 0 && ctx != null) {
            ctx.channel().eventLoop().execute(() -> ctx.channel().close());
        }
    }

    /**
     * Envoy's two-step drain: a first GOAWAY announcing shutdown without refusing streams already
     * in flight from the client, then after drain_timeout the final GOAWAY with the real last
     * stream id; the connection closes once its last stream ends.
     */
    void start() {
        ChannelHandlerContext ctx = conn.ctx;
        if (ctx == null || goAwaySent || noticeSent) {
            return;
        }
        java.time.Duration timeout = conn.cx.hcm.config.drainTimeout();
        long drainNanos = timeout == null ? 5_000_000_000L : timeout.toNanos();
        if (drainNanos <= 0) {
            sendGoAway();
            maybeCloseAfterDrain();
            return;
        }
        noticeSent = true;
        conn.goAway(ctx, Integer.MAX_VALUE, Http2Error.NO_ERROR.code(), Unpooled.EMPTY_BUFFER, ctx.newPromise())
                .addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
        conn.flush(ctx);
        ctx.executor().schedule(() -> {
            sendGoAway();
            maybeCloseAfterDrain();
        }, drainNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    /** At shutdown a connection with no stream open gets its final GOAWAY and closes now. */
    void closeIfIdle() {
        if (conn.cx.activeStreams == 0) {
            sendGoAway();
            maybeCloseAfterDrain();
        }
    }

    /** The final GOAWAY: the last stream the peer opened is the last this connection serves. */
    void sendGoAway() {
        ChannelHandlerContext ctx = conn.ctx;
        if (!goAwaySent && ctx != null && ctx.channel().isActive()) {
            goAwaySent = true;
            conn.cx.hcm.stats.http2GoawaySent.increment();
            conn.goAway(ctx, conn.connection().remote().lastStreamCreated(), Http2Error.NO_ERROR.code(),
                    Unpooled.EMPTY_BUFFER, ctx.newPromise()).addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
            conn.flush(ctx);
        }
    }
}
