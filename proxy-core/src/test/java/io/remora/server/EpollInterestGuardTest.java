package io.remora.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import java.io.InputStream;
import java.net.Socket;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A half-closed epoll channel that is not reading and not writing has an empty interest set; a
 * long answer written after that must still reach the peer in full. Run against Netty's plain
 * epoll handler too, to show the test catches the defect the guard works around.
 */
class EpollInterestGuardTest {
    private static final int ANSWER = 8 * 1024 * 1024;

    @Test
    void halfClosedChannelStillWritesALongAnswer() throws Exception {
        Assumptions.assumeTrue(Transport.detect().kind() == Transport.Kind.EPOLL, "epoll only");
        EventLoopGroup group = Transport.detect().newEventLoopGroup(1, "guard-test");
        try {
            Result r = answerAfterClientFin(group);
            assertNull(r.serverError, "the server's writes failed");
            assertEquals(ANSWER, r.received);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void plainEpollHandlerLosesTheAnswer() throws Exception {
        Assumptions.assumeTrue(Transport.detect().kind() == Transport.Kind.EPOLL, "epoll only");
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        try {
            Result r = answerAfterClientFin(group);
            // If this starts passing, Netty fixed its registration state and the guard can go.
            assertTrue(r.received < ANSWER, "Netty's epoll handler delivered the whole answer: " + r);
            assertTrue(causes(r.serverError).contains("epoll_ctl"), "server error: " + causes(r.serverError));
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    private static String causes(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (; t != null; t = t.getCause()) {
            sb.append(t).append("; ");
        }
        return sb.toString();
    }

    private record Result(long received, Throwable serverError) {
    }

    /**
     * The server reads one byte and then nothing (auto-read off, as the proxy runs), so after the
     * client's FIN its channel asks for no events at all; 50 ms later it writes 8 MiB, more than
     * the socket buffers hold, and the client starts reading only after that first flush.
     */
    private static Result answerAfterClientFin(EventLoopGroup group) throws Exception {
        byte[] chunk = new byte[64 * 1024];
        AtomicReference<Throwable> serverError = new AtomicReference<>();
        CountDownLatch flushed = new CountDownLatch(1);
        Channel server = new ServerBootstrap().group(group).channel(Transport.detect().serverChannel())
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        ctx.read();
                    }

                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ReferenceCountUtil.release(msg);
                    }

                    @Override
                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                        if (evt instanceof ChannelInputShutdownEvent) {
                            ctx.executor().schedule(() -> {
                                answer(ctx.channel(), chunk, serverError);
                                flushed.countDown();
                            }, 50, TimeUnit.MILLISECONDS);
                        }
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        serverError.compareAndSet(null, cause);
                        ctx.close();
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
        try (Socket client = new Socket()) {
            // A small receive window: loopback autotuning could otherwise buffer the whole answer.
            client.setReceiveBufferSize(64 * 1024);
            client.connect(server.localAddress());
            client.setSoTimeout(10_000);
            client.getOutputStream().write('x');
            Thread.sleep(100); // the server has read it and stopped reading
            client.shutdownOutput();
            // The first flush ran while we were not reading: it filled the buffers and had to ask
            // for EPOLLOUT.
            assertTrue(flushed.await(10, TimeUnit.SECONDS));
            long received = 0;
            byte[] buf = new byte[65536];
            InputStream in = client.getInputStream();
            for (int n; (n = in.read(buf)) >= 0; ) {
                received += n;
            }
            return new Result(received, serverError.get());
        } finally {
            server.close().sync();
        }
    }

    private static void answer(Channel ch, byte[] chunk, AtomicReference<Throwable> serverError) {
        ChannelFutureListener recordFailure = f -> {
            if (!f.isSuccess()) {
                serverError.compareAndSet(null, f.cause());
            }
        };
        for (int sent = 0; sent < ANSWER; sent += chunk.length) {
            ByteBuf b = Unpooled.wrappedBuffer(chunk);
            ch.write(b).addListener(recordFailure);
        }
        ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> ((DuplexChannel) ch).shutdownOutput())
                .addListener(recordFailure);
    }
}
