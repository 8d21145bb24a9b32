package io.remora.http.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2Stream;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Netty's events on an upstream connection's streams, passed on as Envoy's client codec passes
 * them to its streams: a stream's close (refused when a GOAWAY left it out), its writability as
 * the send windows change, the upstream's GOAWAY; and {@code cluster.<name>.http2.streams_active},
 * a stream counted from its HEADERS to its close.
 */
final class Http2UpstreamStreamEvents extends Http2ConnectionAdapter {

    private final Http2UpstreamConnection conn;
    private final AtomicLong streamsActive;
    private final io.micrometer.core.instrument.Counter closeNotify;

    private Http2UpstreamStreamEvents(Http2UpstreamConnection conn, io.remora.stats.ClusterStats stats) {
        this.conn = conn;
        this.streamsActive = stats.http2StreamsActive;
        this.closeNotify = stats.upstreamCxCloseNotify;
    }

    static void install(Http2UpstreamConnection conn, Http2ConnectionEncoder encoder, io.remora.stats.ClusterStats stats) {
        Http2UpstreamStreamEvents events = new Http2UpstreamStreamEvents(conn, stats);
        conn.connection().addListener(events);
        encoder.flowController().listener(events::onWritabilityChanged);
    }

    @Override
    public void onStreamActive(Http2Stream stream) {
        streamsActive.incrementAndGet();
    }

    @Override
    public void onStreamClosed(Http2Stream stream) {
        streamsActive.decrementAndGet();
        Http2UpstreamStream s = stream.getProperty(conn.streamKey);
        if (s != null) {
            s.onClosed(refusedByGoAway(stream));
        }
    }

    @Override
    public void onGoAwayReceived(int lastStreamId, long errorCode, ByteBuf debugData) {
        // No new streams here; Netty closes ours above lastStreamId right after this.
        conn.goingAway = true;
        closeNotify.increment(); // Envoy's MultiplexedActiveClientBase::onGoAway
    }

    private void onWritabilityChanged(Http2Stream stream) {
        Http2UpstreamStream s = stream.getProperty(conn.streamKey);
        if (s != null) {
            s.onWritabilityChanged();
        }
    }

    /** A stream on the peer's GOAWAY list: never processed, as safe to retry as a refused one. */
    private boolean refusedByGoAway(Http2Stream stream) {
        io.netty.handler.codec.http2.Http2Connection c = conn.connection();
        return c.goAwayReceived() && stream.id() > c.local().lastStreamKnownByPeer();
    }
}
