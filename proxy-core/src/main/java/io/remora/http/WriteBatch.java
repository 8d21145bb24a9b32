package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/**
 * Small buffers written to a channel in one event-loop pass, gathered into one buffer that is
 * handed on as a single write: the gathering part of {@link FlushCoalescer} (its base class, so that
 * a connection holds no object more for it).
 *
 * <p>Why: every buffer written is an entry of Netty's outbound buffer (a recycled entry, an atomic
 * update of the pending-bytes count, a promise to complete, an iovec for {@code writev}, a release
 * afterwards). An HTTP/2 response is two or three such buffers (HEADERS, the DATA frame's header
 * and payload) and a busy connection writes dozens of responses per pass; copying a few hundred
 * bytes is cheaper than that bookkeeping.
 *
 * <p>The first buffer of a batch is kept as it is; a second one is appended into it when the first
 * is a plain buffer of the writer's with room left (an HTTP/2 HEADERS frame's buffer usually is), and
 * otherwise both go into a buffer of {@link #CAPACITY}. Writers' promises complete when the batch
 * is written.
 */
public abstract class WriteBatch extends ChannelDuplexHandler {

    /** Buffers up to this size are gathered; larger ones are written as they are, after the batch. */
    static final int SMALL = 2048;
    /** A batch buffer allocated here. */
    static final int CAPACITY = 8192;
    /** Room below which a writer's buffer is not worth appending to. */
    private static final int MIN_ROOM = 64;

    private ByteBuf buf;
    /** {@link #buf} may be appended to: ours, or a writer's plain unshared buffer. */
    private boolean appendable;
    private ChannelPromise promise;
    private ChannelPromise[] morePromises;
    private int morePromiseCount;

    WriteBatch() {
    }

    /**
     * The capacity for a message head of {@code head} bytes that a body of {@code body} bytes
     * written in the same pass is appended to (one buffer, no batch buffer and no second copy):
     * {@code head} alone when the body is empty or would not be gathered.
     */
    public static int headCapacity(int head, int body) {
        return body > 0 && head + body <= SMALL ? head + Math.max(body, MIN_ROOM) : head;
    }

    static boolean fits(ByteBuf b) {
        return b.readableBytes() <= SMALL;
    }

    /** Takes {@code b} (released once copied) and its promise into the batch. */
    final void gather(ChannelHandlerContext ctx, ByteBuf b, ChannelPromise p) {
        int n = b.readableBytes();
        if (buf != null && !(appendable && buf.writableBytes() >= n)) {
            if (!appendable && buf.readableBytes() + n <= CAPACITY) {
                ByteBuf copy = ctx.alloc().directBuffer(CAPACITY);
                append(copy, buf);
                buf.release();
                buf = copy;
                appendable = true;
            } else {
                emit(ctx);
            }
        }
        if (buf == null) {
            buf = b;
            appendable = isPlain(b);
        } else {
            append(buf, b);
            b.release();
        }
        keep(p);
    }

    /**
     * A memory copy: {@code to.writeBytes(from)} would take an NIO view of a sliced source (a
     * {@code DirectByteBuffer} per copy), which is what a response body read from the upstream is.
     */
    private static void append(ByteBuf to, ByteBuf from) {
        int n = from.readableBytes();
        from.getBytes(from.readerIndex(), to, to.writerIndex(), n);
        to.writerIndex(to.writerIndex() + n);
    }

    /** Hands the batch on as one write (not flushed). */
    final void emit(ChannelHandlerContext ctx) {
        if (buf != null) {
            ByteBuf b = buf;
            buf = null;
            ctx.write(b, takePromise(ctx));
        }
    }

    /**
     * A buffer nobody else holds or views, with room within its capacity: writing into it neither
     * reallocates nor shows through another buffer.
     */
    private static boolean isPlain(ByteBuf b) {
        return b.unwrap() == null && !(b instanceof CompositeByteBuf) && b.refCnt() == 1 && b.isDirect()
                && !b.isReadOnly() && b.writableBytes() >= MIN_ROOM;
    }

    private void keep(ChannelPromise p) {
        if (p.isVoid()) {
            return;
        }
        if (promise == null) {
            promise = p;
            return;
        }
        if (morePromises == null) {
            morePromises = new ChannelPromise[8];
        } else if (morePromiseCount == morePromises.length) {
            morePromises = java.util.Arrays.copyOf(morePromises, morePromiseCount * 2);
        }
        morePromises[morePromiseCount++] = p;
    }

    private ChannelPromise takePromise(ChannelHandlerContext ctx) {
        ChannelPromise first = promise;
        promise = null;
        if (first == null) {
            return ctx.voidPromise();
        }
        if (morePromiseCount == 0) {
            return first;
        }
        ChannelPromise[] others = java.util.Arrays.copyOf(morePromises, morePromiseCount);
        java.util.Arrays.fill(morePromises, 0, morePromiseCount, null);
        morePromiseCount = 0;
        ChannelPromise all = ctx.newPromise();
        all.addListener(f -> {
            complete(first, f.cause());
            for (ChannelPromise p : others) {
                complete(p, f.cause());
            }
        });
        return all;
    }

    private static void complete(ChannelPromise p, Throwable cause) {
        if (cause == null) {
            p.trySuccess();
        } else {
            p.tryFailure(cause);
        }
    }
}
