package io.remora.http;

import io.netty.channel.ChannelHandlerContext;
import io.remora.overload.LoadShedPoint;
import io.remora.overload.OverloadManager;

/**
 * The overload manager's HTTP/2 load shed points, checked as each read is dispatched (Envoy's
 * ServerConnectionImpl::dispatch): {@code http2_server_go_away_on_dispatch} and
 * {@code http2_server_go_away_and_close_on_dispatch}.
 */
final class Http2DispatchShed {

    private final Http2Connection conn;
    /** The GOAWAY-only point fired (at most one GOAWAY per connection, as Envoy). */
    private boolean sentGoAway;
    /** The close point fired: nothing read is decoded any more. */
    private boolean closed;

    Http2DispatchShed(Http2Connection conn) {
        this.conn = conn;
    }

    /** True when the read must be dropped: the connection is closing for overload. */
    boolean onRead(ChannelHandlerContext ctx) {
        OverloadManager o = conn.cx.hcm.overload;
        LoadShedPoint close = o.shedHttp2GoAwayAndClose;
        if (close != null && (closed || close.shouldShedLoad())) {
            goAwayAndClose(ctx);
            return true;
        }
        LoadShedPoint goAway = o.shedHttp2GoAway;
        if (goAway != null && !sentGoAway && goAway.shouldShedLoad()) {
            // Streams already received finish; later ones are refused.
            sentGoAway = true;
            conn.drain.sendGoAway();
        }
        return false;
    }

    /**
     * GOAWAY with the last stream received, then the connection closes at once; its open streams
     * are reset with flag OM (downstream_rq_overload_close).
     */
    private void goAwayAndClose(ChannelHandlerContext ctx) {
        if (closed) {
            return;
        }
        closed = true;
        conn.cx.hcm.stats.downstreamRqOverloadClose.increment();
        conn.drain.sendGoAway();
        conn.forEachStream(Http2DownstreamStream::markOverloadReset);
        // Below the connection's handler, whose own close would wait for the open streams.
        ctx.close();
    }
}
