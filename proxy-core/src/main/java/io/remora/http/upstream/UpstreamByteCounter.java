package io.remora.http.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.remora.stats.ClusterStats;

/** Counts upstream_cx_rx_bytes_total / upstream_cx_tx_bytes_total at the socket end of a pipeline. */
@ChannelHandler.Sharable
final class UpstreamByteCounter extends ChannelDuplexHandler {
    private final ClusterStats stats;

    UpstreamByteCounter(ClusterStats stats) {
        this.stats = stats;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf b) {
            stats.upstreamCxRxBytesTotal.increment(b.readableBytes());
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf b) {
            stats.upstreamCxTxBytesTotal.increment(b.readableBytes());
        }
        ctx.write(msg, promise);
    }
}
