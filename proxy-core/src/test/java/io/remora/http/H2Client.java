package io.remora.http;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Frame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.util.ReferenceCountUtil;
import io.remora.server.Transport;

import java.util.concurrent.LinkedBlockingQueue;

/** A Netty HTTP/2 prior-knowledge client: raw frames in and out, one queue per stream. */
final class H2Client implements AutoCloseable {

    final EventLoopGroup group;
    final Channel channel;
    final LinkedBlockingQueue<GoAway> goAways = new LinkedBlockingQueue<>();

    H2Client(int port) throws InterruptedException {
        Transport t = Transport.detect();
        group = t.newEventLoopGroup(1, "h2-client");
        channel = new Bootstrap().group(group).channel(t.socketChannel()).handler(new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(Http2FrameCodecBuilder.forClient().build(),
                        new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()),
                        new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                if (msg instanceof Http2GoAwayFrame g) {
                                    goAways.add(new GoAway(g.lastStreamId(), g.errorCode()));
                                }
                                ReferenceCountUtil.release(msg);
                            }

                            @Override
                            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                if (evt instanceof Http2GoAwayFrame g) {
                                    goAways.add(new GoAway(g.lastStreamId(), g.errorCode()));
                                }
                                ReferenceCountUtil.release(evt);
                            }
                        });
            }
        }).connect("127.0.0.1", port).sync().channel();
    }

    /** A new stream whose received frames (data content copied to strings) land in the queue. */
    Stream open() throws InterruptedException {
        Stream s = new Stream();
        s.channel = new Http2StreamChannelBootstrap(channel).handler(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof Http2DataFrame d) {
                    s.body.append(d.content().toString(java.nio.charset.StandardCharsets.UTF_8));
                }
                s.frames.add(msg instanceof Http2DataFrame d ? new Object[]{"data", d.isEndStream()} : msg);
                if (msg instanceof Http2DataFrame) {
                    ReferenceCountUtil.release(msg);
                }
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                s.frames.add("closed");
            }
        }).open().sync().getNow();
        return s;
    }

    record GoAway(int lastStreamId, long errorCode) {
    }

    static final class Stream {
        Http2StreamChannel channel;
        final LinkedBlockingQueue<Object> frames = new LinkedBlockingQueue<>();
        final StringBuffer body = new StringBuffer();

        Object next() throws InterruptedException {
            Object f = frames.poll(5, java.util.concurrent.TimeUnit.SECONDS);
            if (f == null) {
                throw new AssertionError("no frame within 5s");
            }
            return f;
        }
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    static boolean isFrame(Object o, Class<? extends Http2Frame> type) {
        return type.isInstance(o);
    }
}
