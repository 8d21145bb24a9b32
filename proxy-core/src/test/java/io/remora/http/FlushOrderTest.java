package io.remora.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalIoHandler;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Within one event-loop pass, upstream connections flush after every other task. */
class FlushOrderTest {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, LocalIoHandler.newFactory());
    private final List<String> order = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** A channel whose socket end records the flushes that reach it. */
    private Channel channel(String name, FlushCoalescer coalescer) {
        LocalChannel ch = new LocalChannel();
        ch.pipeline().addLast(new ChannelOutboundHandlerAdapter() {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                ReferenceCountUtil.release(msg);
                promise.setSuccess();
            }

            @Override
            public void flush(ChannelHandlerContext ctx) {
                order.add(name);
            }
        }, coalescer);
        group.register(ch).syncUninterruptibly();
        return ch;
    }

    @Test
    void upstreamFlushesAfterTheDownstreamOnesOfThePass() throws Exception {
        Channel upstream = channel("upstream", FlushCoalescer.upstream(null, null));
        Channel downstream = channel("downstream", new FlushCoalescer());
        group.submit(() -> {
            // As a request read from a client is forwarded, then a response from another upstream.
            upstream.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'q'}));
            downstream.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'r'}));
            group.next().execute(() -> order.add("task"));
        }).get(5, TimeUnit.SECONDS);
        // The upstream flush is a tail task of the loop's iteration: a task submitted now may still
        // run in the same iteration, before it, so wait for all three.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (order.size() < 3 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertEquals(List.of("downstream", "task", "upstream"), order);
        upstream.close().syncUninterruptibly();
        downstream.close().syncUninterruptibly();
    }
}
