package io.remora.extensions.filters.network.echo;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;

/**
 * One echoed connection. Reads stop while the peer does not take what was written back, so a
 * client that sends without reading holds at most one socket buffer here. The peer's half-close
 * is echoed too: once everything read was written, the write side is shut and the connection
 * closed, as Envoy's echo writes with {@code end_stream}.
 */
final class EchoHandler extends ChannelInboundHandlerAdapter {

    static void install(Channel downstream) {
        downstream.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        downstream.pipeline().addLast("echo", new EchoHandler());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ctx.write(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
        if (!ctx.channel().isWritable()) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            ctx.channel().config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> {
                if (f.channel() instanceof DuplexChannel d && !d.isOutputShutdown()) {
                    d.shutdownOutput().addListener(ChannelFutureListener.CLOSE);
                } else {
                    f.channel().close();
                }
            });
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
