package io.remora.network;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.util.ReferenceCountUtil;
import io.remora.server.Transport;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * On the epoll transport a connection listed while its reads are off is closed by the peer's FIN
 * at once, the bytes before it unread (Envoy's early close); one with half-close allowed (tcp_proxy)
 * is not: its FIN is read in order once reads resume. Real sockets: the server stops reading after
 * its first read and lists itself, the client sends 256 KiB more (Netty's epoll alone would read
 * them all, reads off or not, to reach the FIN), then its FIN.
 */
class EarlyCloseDetectionTest {
    private static final int PENDING = 256 * 1024;

    @ParameterizedTest(name = "half-close allowed: {0}")
    @ValueSource(booleans = {false, true})
    void aFinWhileReadsAreOffClosesUnlessHalfCloseIsAllowed(boolean halfClose) throws Exception {
        Assumptions.assumeTrue(Transport.detect().kind() == Transport.Kind.EPOLL, "epoll only: NIO has no early-close event");
        EventLoopGroup group = Transport.detect().newEventLoopGroup(1, "early-close-test");
        AtomicLong read = new AtomicLong();
        CompletableFuture<Channel> accepted = new CompletableFuture<>();
        CompletableFuture<Void> closed = new CompletableFuture<>();
        try {
            Channel server = new ServerBootstrap().group(group).channel(Transport.detect().serverChannel())
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, halfClose)
                    // Holds all the client sends, so that its FIN is sent rather than held behind it.
                    .childOption(ChannelOption.SO_RCVBUF, 1 << 20)
                    .childHandler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelActive(ChannelHandlerContext ctx) {
                            accepted.complete(ctx.channel());
                        }

                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            read.addAndGet(((ByteBuf) msg).readableBytes());
                            ReferenceCountUtil.release(msg);
                            if (ctx.channel().config().isAutoRead()) {
                                ctx.channel().config().setAutoRead(false);
                                EarlyCloseDetection.readDisabled(ctx.channel(), true);
                            }
                        }

                        @Override
                        public void channelInactive(ChannelHandlerContext ctx) {
                            closed.complete(null);
                        }
                    })
                    .bind("127.0.0.1", 0).sync().channel();
            try (Socket client = new Socket()) {
                client.connect(server.localAddress());
                client.getOutputStream().write('x');
                Channel ch = accepted.get(10, TimeUnit.SECONDS);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (ch.config().isAutoRead()) {
                    assertTrue(System.nanoTime() < deadline, "the server never stopped reading");
                    Thread.sleep(10);
                }
                client.getOutputStream().write(new byte[PENDING]);
                Thread.sleep(200); // in the server's receive buffer
                client.shutdownOutput();
                if (halfClose) {
                    Thread.sleep(500);
                    assertFalse(closed.isDone(), "a half-close connection was closed by the peer's FIN");
                    ch.eventLoop().execute(() -> ch.config().setAutoRead(true));
                    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    while (read.get() < 1 + PENDING) {
                        assertTrue(System.nanoTime() < deadline, "read " + read.get() + " bytes after reads resumed");
                        Thread.sleep(10);
                    }
                } else {
                    closed.get(5, TimeUnit.SECONDS);
                    assertTrue(read.get() < PENDING, "read " + read.get() + " bytes before the close");
                }
            } finally {
                server.close().sync();
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
