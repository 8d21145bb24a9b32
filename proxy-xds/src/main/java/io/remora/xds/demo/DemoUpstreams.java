package io.remora.xds.demo;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.remora.server.Transport;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The small HTTP services that {@code --demo} starts beside the proxy, so that the bundled
 * demo config shows a weighted split and a retry with nothing else running. Not part of the
 * data plane: they aggregate bodies and answer from one thread.
 */
public final class DemoUpstreams implements AutoCloseable {

    public static final int V1_PORT = 18081;
    public static final int V2_PORT = 18082;
    public static final int FLAKY_PORT = 18083;

    private final EventLoopGroup group;
    private final List<Channel> channels = new ArrayList<>();

    private DemoUpstreams(EventLoopGroup group) {
        this.group = group;
    }

    /** Binds the three demo services on 127.0.0.1. */
    public static DemoUpstreams start(Transport transport) throws InterruptedException {
        DemoUpstreams d = new DemoUpstreams(transport.newEventLoopGroup(1, "remora-demo"));
        d.bind(transport, V1_PORT, new Service("hello from v1", 0));
        d.bind(transport, V2_PORT, new Service("hello from v2", 0));
        d.bind(transport, FLAKY_PORT, new Service("hello from flaky, after a retry", 2));
        return d;
    }

    private void bind(Transport transport, int port, Service service) throws InterruptedException {
        channels.add(new ServerBootstrap().group(group).channel(transport.serverChannel())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20), new Handler(service));
                    }
                }).bind("127.0.0.1", port).sync().channel());
    }

    @Override
    public void close() {
        channels.forEach(Channel::close);
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
    }

    /** A service that answers its text; failEvery N &gt; 0 answers 503 to every Nth request. */
    private record Service(String text, int failEvery) {
    }

    private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private static final AtomicLong COUNTER = new AtomicLong();
        private final Service service;

        Handler(Service service) {
            this.service = service;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            boolean fail = service.failEvery() > 0 && COUNTER.incrementAndGet() % service.failEvery() == 1;
            HttpResponseStatus status = fail ? HttpResponseStatus.SERVICE_UNAVAILABLE : HttpResponseStatus.OK;
            ByteBuf body = Unpooled.copiedBuffer((fail ? "unavailable, try again" : service.text()) + "\n",
                    StandardCharsets.UTF_8);
            FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
            resp.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            if (keepAlive) {
                ctx.writeAndFlush(resp);
            } else {
                ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
            }
        }
    }
}
