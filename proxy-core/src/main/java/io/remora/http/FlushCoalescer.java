package io.remora.http;

import io.micrometer.core.instrument.Counter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.SingleThreadEventLoop;

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
 * written (the rx/tx byte counters) when it has them ({@link #upstream}, or a subclass's
 * {@link #rxBytes()}): one handler on every read and write, not two. The counters are not fields
 * here: {@link Http1Connection} reaches them through its connection manager, and every idle
 * HTTP/1.1 connection would otherwise hold two references more (they take it up a size class).
 *
 * <p>Small buffers written in one pass are gathered into one (its {@link WriteBatch} part) when
 * nothing but the socket is below this handler: a burst of HTTP/2 frames, or a response head and a
 * short body, reaches the channel's outbound buffer as one entry and the kernel as one iovec. A TLS
 * handler below does that gathering itself, so it is left to it.
 *
 * <p>An upstream connection's flushes ({@link #upstream}) go out after every other task of the
 * pass, so the responses for the downstream leave before the requests for the upstream. Each write
 * to an upstream that waits in {@code epoll_wait} on this CPU wakes it, and it usually takes the
 * CPU at once: with the downstream writes done first, the upstream is woken fewer times and finds
 * more requests each time (HTTP/1.1 through a co-pinned nginx: 10-15 % fewer context switches
 * per request).
 *
 * <p>A codec that is the connection's only stage may be one ({@link Http1Connection}): its own
 * writes, which its outbound methods do not see, go through {@link #send}. That saves the
 * connection a handler and its context, which every idle connection would hold.
 */
public class FlushCoalescer extends WriteBatch implements Runnable {
    private boolean reading;
    private boolean pending;
    private boolean scheduled;
    private boolean last;
    ChannelHandlerContext ctx;

    /** Coalesces flushes only. */
    public FlushCoalescer() {
    }

    /** For an upstream connection: its flushes run after the pass's other tasks. */
    public static FlushCoalescer upstream(Counter rxBytes, Counter txBytes) {
        return upstream(rxBytes, txBytes, null);
    }

    /** For an upstream HTTP/2 connection whose outbound frames are counted ({@code frames} may be null). */
    public static FlushCoalescer upstream(Counter rxBytes, Counter txBytes, Http2OutboundFrames frames) {
        FlushCoalescer f = frames == null ? new Counting(rxBytes, txBytes) : new Counting(rxBytes, txBytes) {
            @Override
            protected void flushed(ChannelHandlerContext ctx) {
                frames.flushed(ctx); // Envoy's outbound frames leave the count as the socket takes them
            }
        };
        f.last = true;
        return f;
    }

    /** Where the bytes read are counted; null: not counted. */
    protected Counter rxBytes() {
        return null;
    }

    /** Where the bytes written are counted; null: not counted. */
    protected Counter txBytes() {
        return null;
    }

    /** A coalescer given its counters (bytes read into {@code rx}, written into {@code tx}). */
    static class Counting extends FlushCoalescer {
        private final Counter rx;
        private final Counter tx;

        Counting(Counter rx, Counter tx) {
            this.rx = rx;
            this.tx = tx;
        }

        @Override
        protected final Counter rxBytes() {
            return rx;
        }

        @Override
        protected final Counter txBytes() {
            return tx;
        }
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
        onRead(msg);
        ctx.fireChannelRead(msg);
    }

    /** A read arrived: flushes wait for its end; its bytes are counted. */
    final void onRead(Object msg) {
        reading = true;
        Counter rx = rxBytes();
        if (rx != null) {
            count(rx, msg);
        }
    }

    /**
     * A write (and flush) from this handler's own stage: counted, and flushed with the rest of
     * this pass, as the writes from the stages after it are.
     */
    final void send(Object msg, ChannelPromise promise) {
        write(ctx, msg, promise);
        flush(ctx);
    }

    /** {@link #send(Object, ChannelPromise)} with a promise of its own, for a listener. */
    final ChannelFuture send(Object msg) {
        ChannelPromise p = ctx.newPromise();
        send(msg, p);
        return p;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        Counter tx = txBytes();
        if (tx != null) {
            count(tx, msg);
        }
        // A closed channel gets its writes at once: they fail, and no flush may come to hand them on.
        if (msg instanceof ByteBuf b && fits(b) && ctx.pipeline().firstContext() == ctx && ctx.channel().isActive()) {
            gather(ctx, b, promise);
        } else {
            emit(ctx);
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
            EventLoop loop = ctx.channel().eventLoop();
            if (last && loop instanceof SingleThreadEventLoop l) {
                l.executeAfterEventLoopIteration(this);
            } else {
                loop.execute(this);
            }
        }
    }

    /**
     * The flush task scheduled from another channel's read: the handler itself, not a method
     * reference held by every connection.
     */
    @Override
    public void run() {
        scheduled = false;
        if (!reading) {
            flushPending(ctx);
        }
    }

    private void flushPending(ChannelHandlerContext ctx) {
        emit(ctx);
        if (pending) {
            pending = false;
            ctx.flush();
            flushed(ctx);
        }
    }

    /** A flush of this pass went to the socket (what it did not take waits in the channel's buffer). */
    protected void flushed(ChannelHandlerContext ctx) {
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        onLocalClose();
        flushWritten(ctx);
        ctx.close(promise);
    }

    /**
     * What was written goes out before a close, flush asked for or not: the channel fails writes it
     * holds unflushed when it closes, and a close can come from inside the pass that wrote them
     * (Netty's HTTP/2 graceful close, as the last stream ends).
     */
    private void flushWritten(ChannelHandlerContext ctx) {
        emit(ctx);
        pending = false;
        ctx.flush();
    }

    /** This side closes the connection (a peer's close never passes a handler's close). */
    protected void onLocalClose() {
    }

    @Override
    public void disconnect(ChannelHandlerContext ctx, ChannelPromise promise) {
        flushWritten(ctx);
        ctx.disconnect(promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        reading = false;
        pending = false;
        emit(ctx); // the closed channel fails the write: the buffer is released, its writers told
        ctx.fireChannelInactive();
    }
}
