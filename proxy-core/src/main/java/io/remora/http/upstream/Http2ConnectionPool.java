package io.remora.http.upstream;

import io.netty.channel.Channel;
import io.remora.config.Http2Options;

import java.util.ArrayList;
import java.util.List;

/**
 * Envoy's HTTP/2 pool: streams multiplexed on as few connections as the peer's
 * max_concurrent_streams allows; a connection that got GOAWAY takes no new streams and closes
 * when its last stream ends.
 */
final class Http2ConnectionPool implements ConnectionPool {
    final PoolContext ctx;
    private final List<Http2UpstreamConnection> connections = new ArrayList<>();
    private final PendingRequests pending;
    private int connecting;

    Http2ConnectionPool(PoolContext ctx) {
        this.ctx = ctx;
        this.pending = new PendingRequests(ctx, this::maybeIdle);
    }

    Http2Options options() {
        Http2Options o = ctx.cluster.config().http2Options();
        return o == null ? Http2Options.DEFAULT : o;
    }

    @Override
    public Cancellable newStream(UpstreamCallbacks callbacks) {
        for (int i = 0; i < connections.size(); i++) {
            Http2UpstreamConnection c = connections.get(i);
            if (c.canOpenStream()) {
                if (ctx.admitRequest(callbacks)) {
                    c.openStream(callbacks);
                }
                return Cancellable.NOOP;
            }
        }
        Cancellable p = pending.offer(callbacks);
        if (p == null) {
            return Cancellable.NOOP;
        }
        if (connecting == 0) {
            if (ctx.cluster.newConnectionShedPoint().shouldShedLoad()) {
                pending.shedNewest();
                return Cancellable.NOOP;
            }
            connect();
        }
        return p;
    }

    private void connect() {
        if (!ctx.tryAcquireConnection(connections.isEmpty() && connecting == 0)) {
            return;
        }
        connecting++;
        ctx.startSweeping(this);
        ctx.stats().upstreamCxTotal.increment();
        ctx.stats().upstreamCxHttp2Total.increment();
        Http2UpstreamConnection conn = Http2UpstreamConnection.create(this);
        conn.channel = ctx.connect(ch -> install(ch, conn), (ch, cause) -> {
            connecting--;
            if (cause == null) {
                conn.channel = ch; // happy eyeballs: the attempt that won
                opened(conn);
            } else {
                ctx.connectFailed(cause);
                if (connecting == 0) {
                    pending.failBeyond(0, ConnectFailure.reason(cause), ConnectFailure.transportFailure(cause));
                }
                maybeIdle();
            }
        });
    }

    /**
     * Takes over a connection that is already up (auto_config's ALPN probe, which chose h2); it
     * was counted in the connection stats and circuit breaker when it was opened. Called right
     * as its TLS handshake completes, before any frame of the peer is read.
     */
    void adopt(Channel ch) {
        ctx.stats().upstreamCxHttp2Total.increment(); // the probe counted upstream_cx_total; its protocol is known now
        ctx.startSweeping(this);
        Http2UpstreamConnection conn = Http2UpstreamConnection.create(this);
        conn.channel = ch;
        install(ch, conn);
        opened(conn);
    }

    private static void install(Channel ch, Http2UpstreamConnection conn) {
        // Frames leave in one write per event-loop pass; the same handler counts the connection's bytes.
        ch.pipeline().addLast(io.remora.http.FlushCoalescer.upstream(conn.ctx().stats().upstreamCxRxBytesTotal,
                conn.ctx().stats().upstreamCxTxBytesTotal, conn.outbound));
        if (io.remora.accesslog.WireBytes.wanted()) {
            conn.frameMeter = new io.remora.http.Http2FrameMeter(false, id -> {
                Http2UpstreamStream s = conn.streamFor(id);
                return s == null ? null : s.meter();
            });
            ch.pipeline().addLast(conn.frameMeter);
        }
        ch.pipeline().addLast(conn);
    }

    private void opened(Http2UpstreamConnection conn) {
        ctx.connectionOpened(conn.channel);
        conn.connected = true;
        conn.widenConnectionWindow(options().initialConnectionWindowSize());
        conn.startKeepalive();
        connections.add(conn);
        ctx.armMaxDuration(conn.channel, () -> {
            // Drained: streams in flight finish, new ones go to another connection.
            conn.goingAway = true;
            if (conn.activeStreams == 0) {
                conn.channel.close();
            }
        });
        serve(conn);
    }

    /** Hands waiting requests to a connection with room; opens another when they still wait. */
    void serve(Http2UpstreamConnection conn) {
        while (!pending.isEmpty() && conn.canOpenStream()) {
            UpstreamCallbacks waiting = pending.poll();
            if (ctx.admitRequest(waiting)) {
                conn.openStream(waiting);
            }
        }
        if (!pending.isEmpty() && connecting == 0) {
            connect();
        }
        if (conn.activeStreams == 0) {
            if (conn.goingAway) {
                conn.channel.close();
            } else {
                conn.parkIdle();
            }
        }
    }

    void idleTimedOut(Http2UpstreamConnection conn) {
        if (conn.activeStreams == 0) {
            ctx.stats().upstreamCxIdleTimeout.increment();
            conn.channel.close();
        }
    }

    /** @param activeRequest a stream was still open on it */
    void closed(Http2UpstreamConnection conn, boolean activeRequest) {
        if (connections.remove(conn)) {
            ctx.connectionClosed(conn.channel, activeRequest);
        }
        if (!pending.isEmpty() && connecting == 0) {
            connect();
        }
        maybeIdle();
    }

    private void maybeIdle() {
        if (isIdle()) {
            ctx.stopSweeping();
            ctx.onIdle.run();
        }
    }

    @Override
    public boolean isIdle() {
        return connections.isEmpty() && connecting == 0 && pending.isEmpty();
    }

    @Override
    public void drainAndClose() {
        // Streams in flight finish; the connections take no new ones and close when empty.
        for (Http2UpstreamConnection c : new ArrayList<>(connections)) {
            c.goingAway = true;
            if (c.activeStreams == 0) {
                c.channel.close();
            }
        }
    }
}
