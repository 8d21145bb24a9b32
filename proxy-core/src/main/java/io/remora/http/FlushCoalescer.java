package io.remora.http;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/**
 * Turns the flush after every HTTP object into one socket write per event-loop pass: flushes asked
 * for while this channel is reading go out at {@code channelReadComplete}; flushes asked for from
 * another channel's read (a proxied response, a request towards an upstream) go out in one task that
 * runs after the loop's I/O for this pass. A response's headers and body, or a burst of HTTP/2
 * frames, then leave in one {@code writev}.
 *
 * <p>Unlike Netty's {@code FlushConsolidationHandler} it never flushes from inside a writability
 * event, so a writer always hears "above high watermark" before the matching "below low
 * watermark". Close and removal flush first, so nothing written before them is dropped.
 */
public final class FlushCoalescer extends ChannelDuplexHandler {
    private boolean reading;
    private boolean pending;
    private boolean scheduled;
    private ChannelHandlerContext ctx;
    private final Runnable flushTask = this::scheduledFlush;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        flushPending(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        reading = true;
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        reading = false;
        flushPending(ctx);
        ctx.fireChannelReadComplete();
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        pending = true;
        if (!reading && !scheduled) {
            scheduled = true;
            ctx.channel().eventLoop().execute(flushTask);
        }
    }

    private void scheduledFlush() {
        scheduled = false;
        if (!reading) {
            flushPending(ctx);
        }
    }

    private void flushPending(ChannelHandlerContext ctx) {
        if (pending) {
            pending = false;
            ctx.flush();
        }
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        flushPending(ctx);
        ctx.close(promise);
    }

    @Override
    public void disconnect(ChannelHandlerContext ctx, ChannelPromise promise) {
        flushPending(ctx);
        ctx.disconnect(promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        reading = false;
        pending = false;
        ctx.fireChannelInactive();
    }
}
