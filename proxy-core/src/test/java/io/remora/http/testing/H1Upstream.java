package io.remora.http.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.remora.server.Transport;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** A real HTTP/1.1 upstream on port 0; the handler answers each aggregated request. */
public final class H1Upstream implements AutoCloseable {

    /** Answers one request; the request is released after the call. */
    public interface Handler {
        void handle(ChannelHandlerContext ctx, FullHttpRequest req, int n);
    }

    public final AtomicInteger accepts = new AtomicInteger();
    public final AtomicInteger requests = new AtomicInteger();
    public final List<String> hosts = new CopyOnWriteArrayList<>();
    public final List<FullHttpRequest> seen = new CopyOnWriteArrayList<>();
    private final EventLoopGroup group;
    private final Channel server;

    private final ReadGate gate;

    public H1Upstream(Transport transport, Handler handler) throws InterruptedException {
        this(transport, false, handler);
    }

    /** startPaused: accepted connections do not read until {@link #resumeReading()}. */
    public H1Upstream(Transport transport, boolean startPaused, Handler handler) throws InterruptedException {
        gate = new ReadGate(!startPaused);
        group = transport.newEventLoopGroup(1, "h1-upstream");
        server = new ServerBootstrap().group(group).channel(transport.serverChannel())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        accepts.incrementAndGet();
                        gate.admit(ch);
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(64 << 20),
                                new SimpleChannelInboundHandler<FullHttpRequest>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
                                        hosts.add(req.headers().get(HttpHeaderNames.HOST));
                                        seen.add(req.copy());
                                        // Counted last: a test that saw the count may read the rest.
                                        int n = requests.incrementAndGet();
                                        handler.handle(ctx, req, n);
                                    }
                                });
                    }
                }).bind("127.0.0.1", 0).sync().channel();
    }

    /** Accepted connections read, also those accepted after this call. */
    public void resumeReading() {
        gate.open();
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    public static FullHttpResponse text(int status, String body) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
        return r;
    }

    /** Always answers 200 with the request path as body. */
    public static Handler echoPath() {
        return (ctx, req, n) -> ctx.writeAndFlush(text(200, "path=" + req.uri()));
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        for (FullHttpRequest r : seen) {
            r.release();
        }
        seen.clear();
    }
}
