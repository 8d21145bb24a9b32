package io.remora.http.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2Headers;

import java.util.logging.Level;

/**
 * An upstream HTTP/2 connection's frame listener: each stream's frames to its
 * {@link Http2UpstreamStream}, PING ACKs to the keepalive, and the close after a GOAWAY that left no
 * stream. One per connection, as the inner class it was.
 */
final class Http2UpstreamFrames extends io.remora.http.Http2StreamFrames<Http2UpstreamStream> {
    private final Http2UpstreamConnection conn;

    Http2UpstreamFrames(Http2UpstreamConnection conn) {
        this.conn = conn;
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding,
                              boolean endOfStream) {
        conn.errors.delivered();
        Http2UpstreamStream s = conn.streamFor(streamId);
        if (s != null) {
            try {
                Http2UpstreamResponse.onHeaders(s, headers, endOfStream);
            } catch (RuntimeException e) {
                failed(s, e);
            }
        }
    }

    @Override
    protected Http2UpstreamStream stream(int streamId) {
        return conn.streamFor(streamId);
    }

    @Override
    protected int onData(Http2UpstreamStream s, ByteBuf data, int padding, boolean endOfStream) {
        return Http2UpstreamResponse.onData(s, data, padding, endOfStream);
    }

    @Override
    public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode) {
        conn.ctx().stats().http2RxReset.increment();
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

    @Override
    protected void failed(Http2UpstreamStream s, RuntimeException e) {
        Http2UpstreamConnection.LOG.log(Level.FINE,
                io.remora.log.LogTags.conn(conn.channel) + "upstream stream error, resetting: " + e, e);
        s.failed();
    }
}
