package io.remora.http;

import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2Stream;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Netty's stream events that a downstream stream follows (Envoy's codec calls StreamImpl for
 * them): its close (and the connection's count of premature resets), and its writability as the
 * send windows change.
 */
final class Http2StreamLifecycle extends Http2ConnectionAdapter {

    private final io.netty.handler.codec.http2.Http2Connection.PropertyKey streamKey;
    private final AtomicLong streamsActive;
    private final ConnectionContext cx;
    private final Http2PrematureResets premature = new Http2PrematureResets();

    private Http2StreamLifecycle(io.netty.handler.codec.http2.Http2Connection.PropertyKey streamKey,
                                 AtomicLong streamsActive, ConnectionContext cx) {
        this.streamKey = streamKey;
        this.streamsActive = streamsActive;
        this.cx = cx;
    }

    static void install(Http2Connection conn, io.netty.handler.codec.http2.Http2ConnectionEncoder encoder) {
        Http2StreamLifecycle lifecycle = new Http2StreamLifecycle(conn.streamKey, conn.cx.hcm.stats.http2StreamsActive,
                conn.cx);
        conn.connection().addListener(lifecycle);
        // A stream's writability follows its send window (and the socket's): the remote flow
        // controller reports each change.
        encoder.flowController().listener(lifecycle::onWritabilityChanged);
    }

    // http2.streams_active: Envoy's codec counts a stream from its HEADERS to its close.
    @Override
    public void onStreamActive(Http2Stream stream) {
        streamsActive.incrementAndGet();
    }

    @Override
    public void onStreamClosed(Http2Stream stream) {
        streamsActive.decrementAndGet();
        Http2DownstreamStream s = stream.getProperty(streamKey);
        if (s != null) {
            s.onClosed();
            ActiveStream request = s.active();
            if (request != null && premature.streamClosed(request.info, cx.hcm.context)
                    && cx.channel.isActive()) {
                cx.hcm.stats.downstreamRqTooManyPrematureResets.increment();
                cx.channel.close(); // Envoy's Abort: no GOAWAY, the streams still open are reset with the connection
            }
        }
    }

    private void onWritabilityChanged(Http2Stream stream) {
        Http2DownstreamStream s = stream.getProperty(streamKey);
        if (s != null) {
            s.onWritabilityChanged();
        }
    }
}
