package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Stream;

/**
 * A downstream HTTP/2 connection's frame listener: each stream's frames to its
 * {@link Http2DownstreamStream} (made with the request's HEADERS, kept as a property of Netty's
 * stream), PING ACKs to the keepalive. One per connection, as the inner class it was.
 */
final class Http2DownstreamFrames extends Http2StreamFrames<Http2DownstreamStream> {
    private final Http2Connection conn;

    Http2DownstreamFrames(Http2Connection conn) {
        this.conn = conn;
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding,
                              boolean endOfStream) {
        conn.headersDelivered();
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
                // Envoy's onBeginHeaders: a header block on a stream already open is its trailers.
                conn.cx.hcm.stats.http2Streams.trailers().increment();
                s.onTrailers(headers, endOfStream);
            }
        } catch (RuntimeException e) {
            failed(s, e);
        }
    }

    @Override
    protected Http2DownstreamStream stream(int streamId) {
        return conn.streamFor(streamId);
    }

    @Override
    protected int onData(Http2DownstreamStream s, ByteBuf data, int padding, boolean endOfStream) {
        return s.onData(data, padding, endOfStream);
    }

    @Override
    public void onSettingsAckRead(ChannelHandlerContext ctx) {
        conn.streamErrors.settingsAcked();
    }

    @Override
    public void onPingAckRead(ChannelHandlerContext ctx, long data) {
        if (conn.keepalive != null) {
            conn.keepalive.onPingAck();
        }
    }

    @Override
    public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode) {
        conn.cx.hcm.stats.http2Streams.rxReset().increment();
        Http2DownstreamStream s = conn.streamFor(streamId);
        if (s != null) {
            s.onReset();
        }
    }

    @Override
    protected void failed(Http2DownstreamStream s, RuntimeException e) {
        io.remora.log.UnexpectedErrors.log(Http2Connection.LOG, io.remora.log.LogTags.conn(conn.cx.connectionId())
                + "stream error, resetting: " + e, e);
        if (s != null) {
            s.failed();
        }
    }
}
