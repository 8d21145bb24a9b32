package io.remora.upstream;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * Where the caller's handlers go on a happy-eyeballs attempt, which they cannot join until it has
 * won (one handler instance serves one channel). It holds back what they would have seen first, the
 * activation and whatever arrives before the win, and hands it to them once they are installed
 * behind it; a losing attempt's held messages are released with it.
 */
final class HappyEyeballsSlot extends ChannelInboundHandlerAdapter {
    static final String NAME = "happy-eyeballs";

    private boolean active;
    /** Reads and user events in arrival order; events are wrapped so they are told apart. */
    private final ArrayDeque<Object> held = new ArrayDeque<>(2);

    private record Event(Object evt) {
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        active = true;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        held.add(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // replayed with the reads
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        held.add(new Event(evt));
    }

    /** The attempt won: installs the caller's handlers and gives them what they missed. */
    void open(ChannelHandlerContext ctx, Consumer<io.netty.channel.Channel> pipeline, Runnable connected) {
        pipeline.accept(ctx.channel());
        if (active) {
            ctx.fireChannelActive();
        }
        connected.run();
        boolean read = false;
        for (Object o; (o = held.poll()) != null; ) {
            if (o instanceof Event e) {
                ctx.fireUserEventTriggered(e.evt());
            } else {
                read = true;
                ctx.fireChannelRead(o);
            }
        }
        if (read) {
            ctx.fireChannelReadComplete();
        }
        if (ctx.pipeline().context(this) != null) {
            ctx.pipeline().remove(this);
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        for (Object o; (o = held.poll()) != null; ) {
            ReferenceCountUtil.release(o instanceof Event e ? e.evt() : o);
        }
    }
}
