package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.remora.stats.HttpConnManagerStats;

/** Counts downstream_cx_rx_bytes_total / tx_bytes_total below the HTTP codecs. */
@ChannelHandler.Sharable
final class ByteCounter extends ChannelDuplexHandler {

    private final HttpConnManagerStats stats;

    ByteCounter(HttpConnManagerStats stats) {
        this.stats = stats;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        int n = size(msg);
        if (n > 0) {
            stats.downstreamCxRxBytesTotal.increment(n);
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        int n = size(msg);
        if (n > 0) {
            stats.downstreamCxTxBytesTotal.increment(n);
        }
        ctx.write(msg, promise);
    }

    private static int size(Object msg) {
        if (msg instanceof ByteBuf b) {
            return b.readableBytes();
        }
        if (msg instanceof ByteBufHolder h) {
            return h.content().readableBytes();
        }
        return 0;
    }
}
