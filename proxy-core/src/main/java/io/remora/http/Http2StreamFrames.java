package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Headers;

/**
 * What the downstream and upstream HTTP/2 frame listeners share: HEADERS with priority are plain
 * HEADERS to them (priority is not used), and DATA goes to its stream, whose processing failing
 * costs that stream alone, the frame's bytes then given back to flow control.
 *
 * @param <S> the stream type a connection keeps as a property of Netty's stream
 */
public abstract class Http2StreamFrames<S> extends Http2FrameAdapter {

    @Override
    public final void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int streamDependency,
                                    short weight, boolean exclusive, int padding, boolean endOfStream) {
        onHeadersRead(ctx, streamId, headers, padding, endOfStream);
    }

    @Override
    public final int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream) {
        S s = stream(streamId);
        int all = data.readableBytes() + padding;
        if (s == null) {
            return all;
        }
        try {
            return onData(s, data, padding, endOfStream);
        } catch (RuntimeException e) {
            failed(s, e);
            return all;
        }
    }

    /** HEADERS (a request's or response's, or trailers) for a stream; nothing here throws to Netty. */
    @Override
    public abstract void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding,
                                       boolean endOfStream);

    /** The stream with this id, or null (unknown, or already gone). */
    protected abstract S stream(int streamId);

    /** DATA for {@code s}: the bytes processed now (the rest are given back later). */
    protected abstract int onData(S s, ByteBuf data, int padding, boolean endOfStream);

    /** A bug in one stream's processing costs that stream, not the connection. */
    protected abstract void failed(S s, RuntimeException e);
}
