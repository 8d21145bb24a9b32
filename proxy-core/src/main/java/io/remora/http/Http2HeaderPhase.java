package io.remora.http;

import io.remora.config.OverloadManagerConfig.TimerType;
import io.remora.overload.Http2HeaderGuard;

/**
 * The header phase of an HTTP/2 connection's streams, as {@link Http2HeaderGuard} times it:
 * {@code request_headers_timeout}, the stream idle timeout (scaled by {@code reduce_timeouts}
 * HTTP_DOWNSTREAM_STREAM_IDLE) and {@code request_timeout} from a header block's first frame. A block still unfinished when
 * one runs out holds the whole connection (nothing may come between a HEADERS frame and its
 * CONTINUATIONs), so the connection is closed with GOAWAY, as an idle one is.
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
    public void expired(int which) {
        switch (which) {
            case Http2HeaderGuard.REQUEST_HEADERS -> cx.hcm.stats.downstreamRqHeaderTimeout.increment();
            case Http2HeaderGuard.REQUEST -> cx.hcm.stats.downstreamRqTimeout.increment();
            default -> cx.hcm.stats.downstreamRqIdleTimeout.increment();
        }
        if (LOG.isLoggable(java.util.logging.Level.FINE)) {
            LOG.fine("[" + cx.channel.id().asShortText() + "] closing connection: header block unfinished after the "
                    + (which == Http2HeaderGuard.REQUEST_HEADERS ? "request headers timeout"
                    : which == Http2HeaderGuard.REQUEST ? "request timeout" : "stream idle timeout"));
        }
        cx.codec.onIdleTimeout();
    }
}
