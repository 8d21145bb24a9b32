package io.remora.http.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.util.ReferenceCountUtil;
import io.remora.server.Transport;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** A real h2c (prior knowledge) upstream on port 0; the handler answers each complete request. */
public final class H2Upstream implements AutoCloseable {

    public interface Handler {
        /** Called when the request ended; write frames on ctx (the stream's child channel). */
        void handle(ChannelHandlerContext ctx, Http2Headers headers, String body, Http2Headers trailers, int n);
    }

    public final AtomicInteger accepts = new AtomicInteger();
    public final AtomicInteger requests = new AtomicInteger();
    public final List<Http2Headers> seen = new CopyOnWriteArrayList<>();
    /**
     * When set, called as a request's headers arrive with more to come (body "" and no trailers), so a
     * tunnel's answer can go out before its request side ends; the handler still sees the end.
     */
    public volatile Handler onOpenHeaders;
    private final EventLoopGroup group;
    private final Channel server;

    public H2Upstream(Transport transport, int maxConcurrentStreams, Handler handler) throws InterruptedException {
        this(transport, maxConcurrentStreams, handler, null);
    }

    /** With {@code tls}, HTTP/2 over TLS (the context's ALPN says what it offers). */
    public H2Upstream(Transport transport, int maxConcurrentStreams, Handler handler, io.netty.handler.ssl.SslContext tls)
            throws InterruptedException {
        group = transport.newEventLoopGroup(1, "h2-upstream");
        server = new ServerBootstrap().group(group).channel(transport.serverChannel())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        accepts.incrementAndGet();
                        if (tls != null) {
                            ch.pipeline().addLast(tls.newHandler(ch.alloc()));
                        }
                        ch.pipeline().addLast(Http2FrameCodecBuilder.forServer()
                                .initialSettings(Http2Settings.defaultSettings().maxConcurrentStreams(maxConcurrentStreams))
                                .build());
                        ch.pipeline().addLast(new Http2MultiplexHandler(new ChannelInitializer<Channel>() {
                            @Override
                            protected void initChannel(Channel child) {
                                child.pipeline().addLast(new StreamHandler(handler));
                            }
                        }));
                    }
                }).bind("127.0.0.1", 0).sync().channel();
    }

    private final class StreamHandler extends ChannelInboundHandlerAdapter {
        private final Handler handler;
        private Http2Headers headers;
        private final StringBuilder body = new StringBuilder();

        StreamHandler(Handler handler) {
            this.handler = handler;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            boolean end = false;
            Http2Headers trailers = null;
            if (msg instanceof Http2HeadersFrame hf) {
                if (headers == null) {
                    headers = hf.headers();
                    seen.add(headers);
                } else {
                    trailers = hf.headers();
                }
                end = hf.isEndStream();
                Handler open = onOpenHeaders;
                if (!end && trailers == null && open != null) {
                    open.handle(ctx, headers, "", null, requests.get() + 1);
                }
            } else if (msg instanceof Http2DataFrame df) {
                body.append(df.content().toString(StandardCharsets.UTF_8));
                end = df.isEndStream();
            }
            ReferenceCountUtil.release(msg);
            if (end) {
                handler.handle(ctx, headers, body.toString(), trailers, requests.incrementAndGet());
            }
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    public static void respond(ChannelHandlerContext ctx, int status, String body) {
        Http2Headers h = new DefaultHttp2Headers().status(Integer.toString(status));
        ctx.write(new DefaultHttp2HeadersFrame(h, false));
        ByteBuf b = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
        ctx.writeAndFlush(new DefaultHttp2DataFrame(b, true));
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }
}
