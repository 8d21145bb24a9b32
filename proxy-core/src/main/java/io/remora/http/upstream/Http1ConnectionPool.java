package io.remora.http.upstream;

import java.util.ArrayDeque;

/**
 * Envoy's HTTP/1.1 pool: keep-alive connections serving one request at a time, reused most
 * recently used first, new ones opened while requests wait (bounded by the circuit breakers),
 * and ahead of them with a preconnect ratio.
 */
final class Http1ConnectionPool implements ConnectionPool {
    final PoolContext ctx;
    private final ArrayDeque<Http1UpstreamConnection> idle = new ArrayDeque<>();
    private final PendingRequests pending;
    private int connecting;
    private int open;
    /** How often the pool was drained (host gone, health check failed). */
    private int drains;
    /** The cluster's proper_case_words for requests that carry no case of their own; null: as held. */
    final HeaderNameCase nameCase;

    Http1ConnectionPool(PoolContext ctx) {
        this.ctx = ctx;
        this.nameCase = HeaderNameCase.of(ctx.cluster.config().http1Options());
        this.pending = new PendingRequests(ctx, this::maybeIdle);
    }

    @Override
    public Cancellable newStream(UpstreamCallbacks callbacks) {
        Http1UpstreamConnection c;
        while ((c = idle.pollLast()) != null) {
            // A pooled connection the peer closed meanwhile is skipped, not failed: nothing was sent.
            if (c.channel.isActive()) {
                if (ctx.admitRequest(callbacks)) {
                    c.attach(callbacks);
                } else {
                    idle.addLast(c); // still idle, its idle timer still running
                }
                preconnect();
                return Cancellable.NOOP;
            }
        }
        Cancellable p = pending.offer(callbacks);
        if (p == null) {
            return Cancellable.NOOP;
        }
        if (connecting < pending.size()) {
            if (ctx.cluster.newConnectionShedPoint().shouldShedLoad()) {
                pending.shedNewest();
                return Cancellable.NOOP;
            }
            connect();
        }
        preconnect();
        return p;
    }

    /**
     * Envoy's per_upstream_preconnect_ratio: up to three more connections while (waiting + busy)
     * times the ratio exceeds what the pool has or is opening (connecting + idle + busy). A host
     * that is not healthy gets no extra work, as in Envoy.
     */
    private void preconnect() {
        double ratio = ctx.cluster.config().perUpstreamPreconnectRatio();
        if (ratio <= 1 || !ctx.host.isHealthy() || ctx.host.isDegraded()) {
            return;
        }
        for (int i = 0; i < 3; i++) {
            int busy = open - connecting - idle.size();
            if ((pending.size() + busy) * ratio <= connecting + idle.size() + busy) {
                return;
            }
            int before = connecting;
            connect();
            if (connecting == before) {
                return; // at the connection circuit breaker
            }
        }
    }

    private void connect() {
        if (!ctx.tryAcquireConnection(open == 0)) {
            return; // waits for a connection to be released
        }
        connecting++;
        open++;
        ctx.startSweeping(this);
        ctx.stats().upstreamCxTotal.increment();
        ctx.stats().upstreamCxHttp1Total.increment();
        Http1UpstreamConnection conn = new Http1UpstreamConnection(this);
        conn.drainsSeen = drains;
        conn.channel = ctx.connect(ch -> install(ch, conn), (ch, cause) -> {
            connecting--;
            if (cause == null) {
                conn.channel = ch; // happy eyeballs: the attempt that won
                opened(conn);
            } else {
                open--;
                ctx.connectFailed(cause);
                // Envoy purges waiting requests a failed connect was meant to serve.
                pending.failBeyond(connecting, ConnectFailure.reason(cause), ConnectFailure.transportFailure(cause));
                maybeIdle();
            }
        });
    }

    /**
     * Takes over a connection that is already up (auto_config's ALPN probe, which chose
     * HTTP/1.1); it was counted in the connection stats and circuit breaker when it was opened.
     */
    void adopt(io.netty.channel.Channel ch) {
        ctx.stats().upstreamCxHttp1Total.increment(); // the probe counted upstream_cx_total; its protocol is known now
        open++;
        ctx.startSweeping(this);
        Http1UpstreamConnection conn = new Http1UpstreamConnection(this);
        conn.drainsSeen = drains;
        conn.channel = ch;
        install(ch, conn);
        opened(conn);
    }

    private void install(io.netty.channel.Channel ch, Http1UpstreamConnection conn) {
        // Request headers and body leave in one write per event-loop pass; the same handler counts
        // the connection's bytes.
        ch.pipeline().addLast(io.remora.http.FlushCoalescer.upstream(ctx.stats().upstreamCxRxBytesTotal,
                ctx.stats().upstreamCxTxBytesTotal));
        ch.pipeline().addLast(conn);
    }

    private void opened(Http1UpstreamConnection conn) {
        ctx.connectionOpened(conn.channel);
        conn.connected = true;
        ctx.armMaxDuration(conn.channel, () -> durationReached(conn));
        released(conn);
    }

    /** A connection is free: serve the oldest waiting request or park it. */
    void released(Http1UpstreamConnection conn) {
        if ((ctx.hostRemoved() && pending.isEmpty()) || conn.drainsSeen != drains) {
            conn.channel.close();
            return;
        }
        // As Envoy's onUpstreamReady: each waiting request in turn, until one binds.
        UpstreamCallbacks waiting;
        while ((waiting = pending.poll()) != null) {
            if (ctx.admitRequest(waiting)) {
                conn.attach(waiting);
                return;
            }
        }
        conn.parkIdle();
        idle.addLast(conn);
    }

    /** max_connection_duration elapsed: closed now when idle, else after its request. */
    private void durationReached(Http1UpstreamConnection conn) {
        conn.expired = true;
        if (idle.remove(conn)) {
            conn.channel.close();
        }
    }

    void idleTimedOut(Http1UpstreamConnection conn) {
        if (idle.remove(conn)) {
            ctx.stats().upstreamCxIdleTimeout.increment();
            conn.channel.close();
        }
    }

    /** @param activeRequest a request was still on it */
    void closed(Http1UpstreamConnection conn, boolean activeRequest) {
        idle.remove(conn);
        if (conn.connected) {
            conn.connected = false;
            open--;
            ctx.connectionClosed(conn.channel, activeRequest);
        }
        if (pending.size() > connecting) {
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
        return open == 0 && pending.isEmpty();
    }

    @Override
    public void drainAndClose() {
        drains++; // the busy ones close when their request is done
        Http1UpstreamConnection c;
        while ((c = idle.pollFirst()) != null) {
            c.channel.close();
        }
    }
}
