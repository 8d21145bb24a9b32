package io.remora.http.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Headers;

import java.util.logging.Level;

/**
 * An upstream HTTP/2 connection's frame listener: each stream's frames to its
 * {@link Http2UpstreamStream}, PING ACKs to the keepalive, and the close after a GOAWAY that left no
 * stream. One per connection, as the inner class it was.
 */
final class Http2UpstreamFrames extends Http2FrameAdapter {
    private final Http2UpstreamConnection conn;

    Http2UpstreamFrames(Http2UpstreamConnection conn) {
        this.conn = conn;
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding,
                              boolean endOfStream) {
        Http2UpstreamStream s = conn.streamFor(streamId);
        if (s != null) {
            try {
                s.onHeaders(headers, endOfStream);
            } catch (RuntimeException e) {
                failed(s, e);
            }
        }
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int streamDependency,
                              short weight, boolean exclusive, int padding, boolean endOfStream) {
        onHeadersRead(ctx, streamId, headers, padding, endOfStream);
    }

    @Override
    public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream) {
        Http2UpstreamStream s = conn.streamFor(streamId);
        int all = data.readableBytes() + padding;
        if (s == null) {
            return all;
        }
        try {
            return s.onData(data, padding, endOfStream);
        } catch (RuntimeException e) {
            failed(s, e);
            return all;
        }
    }

    @Override
    public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode) {
        Http2UpstreamStream s = conn.streamFor(streamId);
        if (s != null) {
            s.onRemoteReset(errorCode);
        }
    }

    @Override
    public void onPingAckRead(ChannelHandlerContext ctx, long data) {
        if (conn.keepalive != null) {
            conn.keepalive.onPingAck();
        }
    }

    @Override
    public void onGoAwayRead(ChannelHandlerContext ctx, int lastStreamId, long errorCode, ByteBuf debugData) {
        // Streams above lastStreamId are closed by now; with none left the connection goes.
        if (conn.activeStreams == 0) {
            ctx.channel().close();
        }
    }

    // A bug in one stream's processing costs that stream, not the connection.
    private void failed(Http2UpstreamStream s, RuntimeException e) {
        Http2UpstreamConnection.LOG.log(Level.FINE, io.remora.log.LogTags.conn(conn.channel) + "upstream stream error, resetting: " + e, e);
        s.failed();
    }
}
