package io.remora.http;

import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Stream;
import io.remora.config.OverloadManagerConfig.TimerType;
import io.remora.overload.Http2HeaderGuard;

/**
 * The header phase of an HTTP/2 connection's streams, as {@link Http2HeaderGuard} times it:
 * {@code request_headers_timeout}, the stream idle timeout (scaled by {@code reduce_timeouts}
 * HTTP_DOWNSTREAM_STREAM_IDLE) and {@code request_timeout} from a header block's first frame.
 * Envoy's codec opens the stream at that frame (oghttp2's OnHeaderBlockStart, onBeginHeaders), so
 * a block still unfinished when one runs out is a stream of its own, answered as Envoy's connection
 * manager answers it: a 408 on that stream, then RST_STREAM(NO_ERROR) (the request never ended),
 * the connection left open; the rest of the block, when it comes, is decoded and dropped.
 */
final class Http2HeaderPhase implements Http2HeaderGuard.Timeouts {

    private static final java.util.logging.Logger LOG = io.remora.log.Logging.logger("http2");

    private final ConnectionContext cx;

    private Http2HeaderPhase(ConnectionContext cx) {
        this.cx = cx;
    }

    /** The connection's header guard, timed by its header-phase timeouts and re-armed under reduce_timeouts. */
    static Http2HeaderGuard guard(ConnectionContext cx) {
        Http2HeaderGuard g = new Http2HeaderGuard(cx.hcm.overload.headerBudget(), new Http2HeaderPhase(cx));
        cx.headerPhaseRescale = g::rescale;
        return g;
    }

    @Override
    public long requestHeadersNanos() {
        return cx.hcm.requestHeadersTimeoutNanos;
    }

    @Override
    public long streamIdleNanos() {
        return cx.hcm.overload.scaledTimeoutNanos(TimerType.HTTP_DOWNSTREAM_STREAM_IDLE, cx.hcm.streamIdleTimeoutNanos);
    }

    @Override
    public long requestNanos() {
        return cx.hcm.requestTimeoutNanos;
    }

    @Override
    public void blockStart(long startNanos) {
        cx.headerPhaseStartNanos = startNanos;
    }

    @Override
    public void phase(boolean open) {
        cx.headerPhase = open;
    }

    @Override
    public void expired(int which, int streamId, long startNanos) {
        switch (which) {
            case Http2HeaderGuard.REQUEST_HEADERS -> cx.hcm.stats.downstreamRqHeaderTimeout.increment();
            case Http2HeaderGuard.REQUEST -> cx.hcm.stats.downstreamRqTimeout.increment();
            default -> cx.hcm.stats.downstreamRqIdleTimeout.increment();
        }
        if (!(cx.codec instanceof Http2Connection conn)) {
            return;
        }
        Http2Stream stream = conn.connection().stream(streamId);
        if (stream != null) {
            return; // trailers: the stream's own timeouts run
        }
        try {
            stream = conn.connection().remote().createStream(streamId, false);
        } catch (Http2Exception e) {
            // No stream Envoy's codec would open (a bad id, past max_concurrent_streams, after a
            // GOAWAY): the connection is stuck behind the block, so it goes.
            if (LOG.isLoggable(java.util.logging.Level.FINE)) {
                LOG.fine("[" + cx.channel.id().asShortText() + "] closing connection: header block of stream "
                        + streamId + " unfinished in time: " + e.getMessage());
            }
            conn.onIdleTimeout();
            return;
        }
        conn.streamErrors.answeredBeforeItsBlock(streamId);
        // The stream is answered: the connection is no longer in a header phase, as Envoy's has
        // no stream left, and its idle timeout may run.
        cx.headerPhase = false;
        cx.headerPhaseStartNanos = startNanos;
        Http2DownstreamStream s = new Http2DownstreamStream(conn, stream);
        stream.setProperty(conn.streamKey, s);
        s.headerPhaseTimedOut(which);
        cx.headerPhaseStartNanos = 0;
        conn.written();
    }
}
