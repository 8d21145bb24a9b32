package io.remora.e2e;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.util.ReferenceCountUtil;
import io.remora.server.Transport;

import java.io.ByteArrayOutputStream;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * An HTTP/2 client (Netty's frame codec) with one RFC 8441 extended CONNECT stream open to the
 * proxy: the response's HEADERS and DATA as they come, DATA written on the stream.
 */
final class ExtendedConnectClient implements AutoCloseable {
    private final EventLoopGroup group = Transport.of(Transport.Kind.NIO).newEventLoopGroup(1, "test-h2-client");
    private final BlockingQueue<Object> frames = new LinkedBlockingQueue<>();
    private final Channel conn;
    private final Http2StreamChannel stream;

    /** Opens a WebSocket stream to {@code path} on {@code authority} with {@code fields} (name, value, ...) more. */
    ExtendedConnectClient(int port, String authority, String path, String... fields) throws InterruptedException {
        conn = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(Http2FrameCodecBuilder.forClient()
                                .initialSettings(Http2Settings.defaultSettings()).build(),
                                new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
                    }
                }).connect("127.0.0.1", port).sync().channel();
        stream = new Http2StreamChannelBootstrap(conn).handler(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof Http2HeadersFrame h) {
                    frames.add(h.headers());
                } else if (msg instanceof Http2DataFrame d) {
                    frames.add(ByteBufUtil.getBytes(d.content()));
                }
                ReferenceCountUtil.release(msg);
            }
        }).open().sync().getNow();
        Http2Headers h = new DefaultHttp2Headers().method("CONNECT").scheme("http").path(path).authority(authority);
        h.set(Http2Headers.PseudoHeaderName.PROTOCOL.value(), "websocket");
        h.set("sec-websocket-version", "13");
        for (int i = 0; i < fields.length; i += 2) {
            h.add(fields[i], fields[i + 1]);
        }
        stream.writeAndFlush(new DefaultHttp2HeadersFrame(h, false)).sync();
    }

    /** The response's HEADERS. */
    Http2Headers response() throws InterruptedException {
        Http2Headers response = (Http2Headers) frames.poll(20, TimeUnit.SECONDS);
        assertNotNull(response, "no response to the extended CONNECT");
        return response;
    }

    void write(ByteBuf data) throws InterruptedException {
        stream.writeAndFlush(new DefaultHttp2DataFrame(data, false)).sync();
    }

    /** The next {@code n} bytes of the response's DATA. */
    byte[] read(int n) throws InterruptedException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        while (got.size() < n) {
            Object f = frames.poll(10, TimeUnit.SECONDS);
            assertNotNull(f, "got " + got.size() + " bytes of " + n);
            got.writeBytes((byte[]) f);
        }
        return got.toByteArray();
    }

    @Override
    public void close() throws InterruptedException {
        conn.close().sync();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
