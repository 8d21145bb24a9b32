package io.remora.http;

import io.micrometer.core.instrument.Counter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
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
 *
 * <p>It sits at the socket end of the pipeline, so it also counts the connection's bytes read and
 * written (the rx/tx byte counters) when given them: one handler on every read and write, not two.
 *
 * <p>Small buffers written in one pass are gathered into one ({@link WriteBatch}) when nothing but
 * the socket is below this handler: a burst of HTTP/2 frames, or a response head and a short
 * body, reaches the channel's outbound buffer as one entry and the kernel as one iovec. A TLS
 * handler below does that gathering itself, so it is left to it.
 */
public final class FlushCoalescer extends ChannelDuplexHandler {
    private final Counter rxBytes;
    private final Counter txBytes;
    private boolean reading;
    private boolean pending;
    private boolean scheduled;
    private ChannelHandlerContext ctx;
    private final Runnable flushTask = this::scheduledFlush;
    private final WriteBatch batch = new WriteBatch();

    /** Coalesces flushes only. */
    public FlushCoalescer() {
        this(null, null);
    }

    /** Coalesces flushes and counts the bytes read into {@code rxBytes} and written into {@code txBytes}. */
    public FlushCoalescer(Counter rxBytes, Counter txBytes) {
        this.rxBytes = rxBytes;
        this.txBytes = txBytes;
    }

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
        if (rxBytes != null) {
            count(rxBytes, msg);
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (txBytes != null) {
            count(txBytes, msg);
        }
        // A closed channel gets its writes at once: they fail, and no flush may come to hand them on.
        if (msg instanceof ByteBuf b && WriteBatch.fits(b) && ctx.pipeline().firstContext() == ctx
                && ctx.channel().isActive()) {
            batch.add(ctx, b, promise);
        } else {
            batch.emit(ctx);
            ctx.write(msg, promise);
        }
    }

    private static void count(Counter counter, Object msg) {
        int n = msg instanceof ByteBuf b ? b.readableBytes()
                : msg instanceof ByteBufHolder h ? h.content().readableBytes() : 0;
        if (n > 0) {
            counter.increment(n);
        }
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
        batch.emit(ctx);
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
        batch.emit(ctx); // the closed channel fails the write: the buffer is released, its writers told
        ctx.fireChannelInactive();
    }
}
