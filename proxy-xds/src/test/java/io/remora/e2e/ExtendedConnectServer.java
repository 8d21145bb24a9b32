package io.remora.e2e;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;

import java.util.function.Supplier;

/** An h2c upstream on 127.0.0.1 (any free port) that allows RFC 8441 extended CONNECT; each stream gets its own handler. */
final class ExtendedConnectServer {

    private ExtendedConnectServer() {
    }

    static Channel start(EventLoopGroup group, Supplier<ChannelHandler> perStream) throws InterruptedException {
        return new ServerBootstrap().group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(Http2FrameCodecBuilder.forServer()
                                .initialSettings(Http2Settings.defaultSettings().connectProtocolEnabled(true)).build(),
                                new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                                    @Override
                                    protected void initChannel(Http2StreamChannel stream) {
                                        stream.pipeline().addLast(perStream.get());
                                    }
                                }));
                    }
                }).bind("127.0.0.1", 0).sync().channel();
    }
}
