package io.remora.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import io.remora.network.FilterState;
import io.remora.tls.TlsConnection;

import java.net.SocketAddress;

/** A tcp_proxy session's own TCP connection to its host, relayed as Netty's HexDumpProxy does. */
final class ChannelUpstream extends ChannelInboundHandlerAdapter implements TcpUpstream {

    private final TcpProxySession session;
    private Channel channel;

    ChannelUpstream(TcpProxySession session) {
        this.session = session;
    }

    /** The channel being connected (set once the connector made it). */
    void channel(Channel channel) {
        this.channel = channel;
    }

    Channel channel() {
        return channel;
    }

    @Override
    public void write(ByteBuf data) {
        channel.write(data, channel.voidPromise());
    }

    @Override
    public void flush() {
        channel.flush();
    }

    @Override
    public boolean isWritable() {
        return channel.isWritable();
    }

    @Override
    public void readEnabled(boolean enabled) {
        if (channel.isActive()) {
            channel.config().setAutoRead(enabled);
        }
    }

    @Override
    public void shutdownOutput() {
        TcpSessionCloses.shutdownOutput(channel);
    }

    @Override
    public void closeAfterFlush() {
        if (channel.isActive()) {
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        } else {
            channel.close();
        }
    }

    @Override
    public void close() {
        channel.close();
    }

    @Override
    public Channel connection() {
        return channel;
    }

    @Override
    public SocketAddress localAddress() {
        return channel.localAddress();
    }

    @Override
    public TlsConnection tls() {
        return channel.attr(TlsConnection.UPSTREAM).get();
    }

    @Override
    public FilterState filterState() {
        return FilterState.of(channel);
    }

    // --- the channel's events ---

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf buf)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        session.fromUpstream(buf);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        session.upstreamReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        session.upstreamWritabilityChanged(ctx.channel().isWritable());
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            session.upstreamEnded();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        session.upstreamFailed(cause);
        ctx.close();
    }
}
