package io.remora.http;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2Headers;

/**
 * HEADERS frames written with the block lent to Netty's HPACK encoder for a single pass
 * ({@link HeaderBlock#beginSinglePass()}): the encoder's walks (the size check, then the encoding)
 * take no entry object per header. A frame the encoder has to queue behind flow-controlled DATA is
 * encoded later, outside the pass, with ordinary entries.
 */
public final class HeaderFrames {

    private HeaderFrames() {
    }

    public static ChannelFuture write(Http2ConnectionEncoder encoder, ChannelHandlerContext ctx, int streamId,
                                      Http2Headers headers, boolean endStream) {
        HeaderBlock block = headers instanceof HeaderBlock b ? b : null;
        if (block != null) {
            block.beginSinglePass();
        }
        try {
            return encoder.writeHeaders(ctx, streamId, headers, 0, endStream, ctx.newPromise());
        } finally {
            if (block != null) {
                block.endSinglePass();
            }
        }
    }
}
