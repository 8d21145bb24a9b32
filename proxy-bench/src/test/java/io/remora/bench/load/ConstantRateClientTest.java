package io.remora.bench.load;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConstantRateClientTest {
    private static final long STALL_MS = 300;
    private static final long MS_100 = TimeUnit.MILLISECONDS.toNanos(100);

    private EventLoopGroup group;
    private Channel server;
    private final AtomicInteger requests = new AtomicInteger();
    private volatile int failEvery;

    @BeforeEach
    void startServer() throws InterruptedException {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new StallOnceHandler());
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    @AfterEach
    void stopServer() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private URI url() {
        return URI.create("http://127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort() + "/x");
    }

    @Test
    void stallIsChargedToEveryRequestScheduledBehindIt() throws Exception {
        // One connection at 100 rq/s for 1 s; the server holds its first response for 300 ms.
        ConstantRateClient.Result r = ConstantRateClient.run(
                new ConstantRateClient.Options(url(), 100, 1.0, 1, 0));

        assertEquals(100, r.sent());
        assertEquals(100, r.completed());
        assertEquals(0, r.errors());
        assertEquals(100, r.latency().getTotalCount());
        assertEquals(100, requests.get());
        // ~30 requests were due while the first one stalled; ~20 of them waited 100 ms or more.
        long slowCorrected = r.latency().getCountBetweenValues(MS_100, Long.MAX_VALUE / 4);
        long slowService = r.serviceTime().getCountBetweenValues(MS_100, Long.MAX_VALUE / 4);
        assertTrue(slowCorrected >= 15, "corrected latency should include queueing behind the stall: " + slowCorrected);
        assertTrue(slowCorrected > slowService + 10,
                "service time alone hides the stall: corrected " + slowCorrected + " vs service " + slowService);
        assertTrue(r.latency().getMaxValue() >= TimeUnit.MILLISECONDS.toNanos(STALL_MS));
    }

    @Test
    void errorResponsesAreCountedNotRecorded() throws Exception {
        failEvery = 2;
        ConstantRateClient.Result r = ConstantRateClient.run(
                new ConstantRateClient.Options(url(), 200, 0.5, 2, 0));

        assertEquals(100, r.sent());
        assertEquals(50, r.completed());
        assertEquals(50, r.errors());
        assertEquals(50, r.latency().getTotalCount());
    }

    private final class StallOnceHandler extends SimpleChannelInboundHandler<HttpObject> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (!(msg instanceof HttpRequest)) {
                return;
            }
            int n = requests.incrementAndGet();
            boolean fail = failEvery > 0 && n % failEvery == 0;
            FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    fail ? HttpResponseStatus.SERVICE_UNAVAILABLE : HttpResponseStatus.OK,
                    Unpooled.copiedBuffer("ok", StandardCharsets.US_ASCII));
            resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 2);
            if (n == 1 && failEvery == 0) {
                ctx.executor().schedule(() -> ctx.writeAndFlush(resp), STALL_MS, TimeUnit.MILLISECONDS);
            } else {
                ctx.writeAndFlush(resp);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }
    }
}
