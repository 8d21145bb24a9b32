package io.remora.network;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * The last handler of a channel whose peer has nothing to say that matters (a direct response's
 * client after its answer, a Fluentd server that is never asked for acks): what it sends is
 * dropped, and an error (a reset, a broken pipe) closes the channel.
 */
@ChannelHandler.Sharable
public final class DiscardReads extends ChannelInboundHandlerAdapter {
    public static final DiscardReads INSTANCE = new DiscardReads();

    private DiscardReads() {
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
