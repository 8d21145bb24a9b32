package io.remora.http;

import io.micrometer.core.instrument.Counter;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.DecoratingHttp2FrameWriter;
import io.netty.handler.codec.http2.Http2FrameWriter;

/**
 * A codec handler's frame writer, counting each RST_STREAM it writes in {@code http2.tx_reset}
 * (downstream) or {@code cluster.<name>.http2.tx_reset} (upstream), as Envoy's onFrameSend. Every reset the handler sends passes here,
 * whether a stream asked for it or Netty answered a stream error, a stream it never knew included.
 */
public final class Http2TxResets extends DecoratingHttp2FrameWriter {
    private final Counter txReset;

    public Http2TxResets(Http2FrameWriter delegate, Counter txReset) {
        super(delegate);
        this.txReset = txReset;
    }

    @Override
    public ChannelFuture writeRstStream(ChannelHandlerContext ctx, int streamId, long errorCode, ChannelPromise promise) {
        txReset.increment();
        return super.writeRstStream(ctx, streamId, errorCode, promise);
    }
}
