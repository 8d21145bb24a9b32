package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Stream;

/**
 * A downstream HTTP/2 connection's frame listener: each stream's frames to its
 * {@link Http2DownstreamStream} (made with the request's HEADERS, kept as a property of Netty's
 * stream), PING ACKs to the keepalive. One per connection, as the inner class it was.
 */
final class Http2DownstreamFrames extends Http2FrameAdapter {
    private final Http2Connection conn;

    Http2DownstreamFrames(Http2Connection conn) {
        this.conn = conn;
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding,
                              boolean endOfStream) {
        Http2Stream stream = conn.connection().stream(streamId);
        if (stream == null) {
            return;
        }
        Http2DownstreamStream s = stream.getProperty(conn.streamKey);
        try {
            if (s == null) {
                s = new Http2DownstreamStream(conn, stream);
                stream.setProperty(conn.streamKey, s);
                s.onRequestHeaders(headers, endOfStream);
            } else {
                s.onTrailers(headers, endOfStream);
            }
        } catch (RuntimeException e) {
            failed(s, e);
        }
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int streamDependency,
                              short weight, boolean exclusive, int padding, boolean endOfStream) {
        onHeadersRead(ctx, streamId, headers, padding, endOfStream);
    }

    @Override
    public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream) {
        Http2DownstreamStream s = conn.streamFor(streamId);
        int all = data.readableBytes() + padding;
        if (s == null) {
            return all;
        }
        try {
            return s.onData(data, padding, endOfStream, !conn.deliveringUpgrade);
        } catch (RuntimeException e) {
            failed(s, e);
            return all;
        }
    }

    @Override
    public void onPingAckRead(ChannelHandlerContext ctx, long data) {
        if (conn.keepalive != null) {
            conn.keepalive.onPingAck();
        }
    }

    @Override
    public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode) {
        Http2DownstreamStream s = conn.streamFor(streamId);
        if (s != null) {
            s.onReset();
        }
    }

    // A bug in one stream's processing costs that stream, not the connection.
    private void failed(Http2DownstreamStream s, RuntimeException e) {
        io.remora.log.UnexpectedErrors.log(Http2Connection.LOG, io.remora.log.LogTags.conn(conn.cx.connectionId())
                + "stream error, resetting: " + e, e);
        if (s != null) {
            s.failed();
        }
    }
}
