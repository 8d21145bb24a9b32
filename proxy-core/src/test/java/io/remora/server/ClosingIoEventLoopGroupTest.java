package io.remora.server;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A loop shut down (zero quiet period) while it runs a task still closes its accepted channels and
 * tells their handlers. Run against Netty's plain group too, to show the test catches the gap.
 */
class ClosingIoEventLoopGroupTest {

    @Test
    void shutdownDuringATaskClosesAcceptedChannels() throws Exception {
        Transport t = Transport.detect();
        Outcome o = shutDownWhileATaskRuns(t.newEventLoopGroup(1, "closing-test"), t);
        assertTrue(o.inactive, "the accepted channel's handler saw no channelInactive");
        assertFalse(o.open, "the accepted channel is still open");
    }

    @Test
    void plainGroupLeavesThemOpen() throws Exception {
        Transport t = Transport.detect();
        EventLoopGroup plain = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("plain-test", true),
                t.kind() == Transport.Kind.EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        Outcome o = shutDownWhileATaskRuns(plain, t);
        // If this starts failing, Netty closes channels however the shutdown is timed and the
        // group can go.
        assertFalse(o.inactive, "Netty's group told the handler");
        assertTrue(o.open, "Netty's group closed the channel");
    }

    private record Outcome(boolean inactive, boolean open) {
    }

    private static Outcome shutDownWhileATaskRuns(EventLoopGroup group, Transport t) throws Exception {
        BlockingQueue<Channel> accepted = new LinkedBlockingQueue<>();
        CountDownLatch inactive = new CountDownLatch(1);
        Channel server = new ServerBootstrap().group(group).channel(t.serverChannel())
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        accepted.add(ctx.channel());
                    }

                    @Override
                    public void channelInactive(ChannelHandlerContext ctx) {
                        inactive.countDown();
                    }

                    @Override
                    public boolean isSharable() {
                        return true;
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        try (Socket client = new Socket("127.0.0.1", ((InetSocketAddress) server.localAddress()).getPort())) {
            Channel ch = accepted.poll(5, TimeUnit.SECONDS);
            assertTrue(ch != null, "nothing accepted");
            CountDownLatch running = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            ch.eventLoop().execute(() -> {
                running.countDown();
                try {
                    release.await(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertTrue(running.await(5, TimeUnit.SECONDS));
            var terminated = group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            release.countDown();
            assertTrue(terminated.await(5, TimeUnit.SECONDS), "the group did not terminate");
            return new Outcome(inactive.getCount() == 0, ch.isOpen());
        }
    }
}
