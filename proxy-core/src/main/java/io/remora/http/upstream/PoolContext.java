package io.remora.http.upstream;

import io.netty.channel.Channel;
import io.remora.log.LogTags;
import io.netty.channel.EventLoop;
import io.remora.server.Transport;
import io.remora.stats.ClusterStats;
import io.remora.upstream.Cluster;
import io.remora.upstream.Host;
import io.remora.upstream.UpstreamConnector;

import io.netty.util.concurrent.ScheduledFuture;

import io.remora.config.ClusterConfig;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What every pool of one (worker, host) needs: where, how to connect, what to count. */
final class PoolContext {
    private static final java.util.logging.Logger POOL_LOG = io.remora.log.Logging.logger("pool");
    static final long SWEEP_SECONDS = 5;
    final EventLoop loop;
    final Cluster cluster;
    final Host host;
    final Transport transport;
    final Runnable onIdle;
    /** The circuit breakers of the pool's routing priority. */
    final io.remora.upstream.ResourceLimits limits;
    private final boolean high;
    private List<Host> lastHosts;
    private boolean hostRemoved;
    private ScheduledFuture<?> sweeper;
    private io.remora.upstream.HealthFailureWatchers.Watch healthWatch;

    private final UpstreamConnector connector;
    private final UpstreamConnector.ConnectOptions options;

    PoolContext(EventLoop loop, Cluster cluster, Host host, Transport transport, Runnable onIdle, boolean http2) {
        this(loop, cluster, host, transport, onIdle, http2, null);
    }

    /**
     * @param poolOptions original_src's binding, ALPN override, TLS names and shared filter state objects of
     *                    every connection of this pool, or null
     */
    PoolContext(EventLoop loop, Cluster cluster, Host host, Transport transport, Runnable onIdle, boolean http2,
                PoolOptions poolOptions) {
        this.loop = loop;
        this.cluster = cluster;
        this.host = host;
        this.transport = transport;
        this.onIdle = onIdle;
        this.high = PoolOptions.high(poolOptions);
        this.limits = cluster.limits().priority(high);
        this.connector = new UpstreamConnector(transport);
        this.options = PoolOptions.connectOptions(poolOptions,
                http2 ? UpstreamConnector.ConnectOptions.HTTP2 : UpstreamConnector.ConnectOptions.HTTP1);
    }

    /**
     * Connects and, for a TLS cluster, handshakes; {@code done} gets the channel or the cause.
     * {@code pipeline} installs the protocol handlers (after TLS). The channel returned is the
     * first attempt's: with happy eyeballs the one {@code done} gets may be another.
     */
    Channel connect(java.util.function.Consumer<Channel> pipeline, java.util.function.BiConsumer<Channel, Throwable> done) {
        host.stats.cxTotal.increment();
        long start = System.nanoTime();
        Channel ch = connector.connectAny(loop, cluster, host, options, pipeline, new UpstreamConnector.Callback() {
            @Override
            public void onConnected(Channel channel) {
                if (POOL_LOG.isLoggable(java.util.logging.Level.FINE)) {
                    POOL_LOG.fine(LogTags.conn(channel) + "connected to " + host.address() + " for cluster '"
                            + cluster.name() + "'");
                    channel.closeFuture().addListener(f -> POOL_LOG.fine(LogTags.conn(channel)
                            + "closed connection to " + host.address() + " of cluster '" + cluster.name() + "'"));
                }
                // Envoy's conn_connect_ms: from the client's creation to its Connected event (after TLS)
                stats().upstreamCxConnectMs.record(millisSince(start));
                UpstreamCloseOrigin.install(channel, start);
                done.accept(channel, null);
            }

            @Override
            public void onFailure(Channel channel, Throwable cause, boolean tls) {
                if (POOL_LOG.isLoggable(java.util.logging.Level.FINE)) {
                    POOL_LOG.fine(LogTags.conn(channel) + "connection failure to " + host.address() + " of cluster '"
                            + cluster.name() + "': " + describe(cause));
                }
                // Envoy's conn_length_ runs from the client's creation to its close, a failed connect's too
                stats().upstreamCxLengthMs.record(millisSince(start));
                done.accept(null, cause);
            }
        });
        // The id now, so it follows the order connections are made in.
        long id = io.remora.network.ConnectionIds.of(ch);
        if (POOL_LOG.isLoggable(java.util.logging.Level.FINE)) {
            POOL_LOG.fine(LogTags.conn(id) + "creating a new connection to " + host.address() + " for cluster '"
                    + cluster.name() + "'");
        }
        return ch;
    }

    /**
     * Whether the host left its cluster (EDS/DNS update). Recomputed only when the cluster's host
     * list object changed, so the common case is one reference comparison.
     */
    boolean hostRemoved() {
        if (cluster.config().type() == ClusterConfig.DiscoveryType.ORIGINAL_DST) {
            return false; // that cluster forgets idle hosts itself; pools follow on next use
        }
        List<Host> now = cluster.hosts();
        if (now != lastHosts) {
            lastHosts = now;
            boolean found = false;
            for (int i = 0, n = now.size(); i < n && !found; i++) {
                found = now.get(i) == host;
            }
            hostRemoved = !found;
        }
        return hostRemoved;
    }

    /**
     * While the pool has connections, checks now and then that its host still exists, and drains
     * when the host fails its health check or is ejected (Envoy's onHostHealthFailure drains HTTP
     * pools whatever close_connections_on_host_health_failure says: new connections may fare better).
     */
    void startSweeping(ConnectionPool pool) {
        if (healthWatch == null) {
            healthWatch = host.healthFailure.addPool(loop, pool::drainAndClose);
        }
        if (sweeper == null) {
            sweeper = loop.scheduleAtFixedRate(() -> {
                if (hostRemoved()) {
                    pool.drainAndClose();
                }
            }, SWEEP_SECONDS, SWEEP_SECONDS, TimeUnit.SECONDS);
        }
    }

    void stopSweeping() {
        host.healthFailure.remove(healthWatch);
        healthWatch = null;
        if (sweeper != null) {
            sweeper.cancel(false);
            sweeper = null;
        }
    }

    ClusterStats stats() {
        return cluster.stats();
    }

    long idleTimeoutMillis() {
        Duration d = cluster.config().upstreamIdleTimeout();
        return d == null ? 3_600_000L : d.toMillis();
    }

    /** max_connection_duration in milliseconds, 0 for none. */
    long maxConnectionDurationMillis() {
        Duration d = cluster.config().maxConnectionDuration();
        return d == null ? 0 : Math.max(1, d.toMillis());
    }

    /**
     * Arms max_connection_duration for a new connection: when it elapses {@code drain} runs on the
     * connection's loop (Envoy drains it: no new requests, closed once its requests are done).
     */
    void armMaxDuration(Channel channel, Runnable drain) {
        long ms = maxConnectionDurationMillis();
        if (ms > 0) {
            ScheduledFuture<?> t = channel.eventLoop().schedule(() -> {
                if (channel.isActive()) {
                    stats().upstreamCxMaxDurationReached.increment();
                    drain.run();
                }
            }, ms, TimeUnit.MILLISECONDS);
            channel.closeFuture().addListener(f -> t.cancel(false));
        }
    }

    int maxRequestsPerConnection() {
        return cluster.config().maxRequestsPerConnection();
    }

    /**
     * Envoy's canCreateConnection: room under the cluster's {@code max_connections} and the
     * host's per-host {@code max_connections}; at either, {@code upstream_cx_overflow} counts.
     * As Envoy's pool, one that holds no connection at all still opens one past the per-host
     * limit: its requests would otherwise wait with nothing to serve them.
     */
    boolean tryAcquireConnection(boolean poolEmpty) {
        ClusterConfig c = cluster.config();
        // As Envoy's canCreateConnection: the priority's per-host cap against all the host's connections.
        if (!poolEmpty && host.poolConnections.get() >= c.options().maxConnectionsPerHost(high)) {
            stats().upstreamCxOverflow.increment();
            return false;
        }
        if (!limits.tryAcquireConnection()) {
            stats().upstreamCxOverflow.increment();
            return false;
        }
        host.poolConnections.incrementAndGet();
        return true;
    }

    /**
     * Envoy's attachStreamToClient: a stream takes the priority's {@code max_requests} slot as it
     * binds to a connection, not while it waits for one (a waiting request counts against
     * {@code max_pending_requests} only). At the limit the request fails as an overflow
     * ({@code upstream_rq_active_overflow}, Envoy 1.38's counter for it) and false comes back; a
     * slot taken is given back by {@link #releaseRequest} when the stream ends.
     */
    boolean admitRequest(UpstreamCallbacks callbacks) {
        if (!callbacks.poolTakesRequestSlot()) {
            return true;
        }
        if (!limits.tryAcquireRequest()) {
            stats().upstreamRqActiveOverflow.increment();
            callbacks.onAttachOverflow();
            return false;
        }
        return true;
    }

    /**
     * Envoy's attachStreamToClient counts a stream as the pool binds it to a connection, for
     * every requester: the host's {@code rq_total} and {@code rq_active}, the cluster's
     * {@code upstream_rq_total} and {@code upstream_rq_active}. A request turned away, failed
     * while it waited for a connection, or cancelled meanwhile counts in none of them.
     */
    void streamAttached() {
        io.remora.upstream.UpstreamStreamCounts.attached(cluster, host);
    }

    /**
     * A stream {@link #admitRequest} let in (and {@link #streamAttached} counted) is over;
     * {@code held}: it took a slot.
     */
    void releaseRequest(boolean held) {
        if (held) {
            limits.requests.decrementAndGet();
        }
        io.remora.upstream.UpstreamStreamCounts.closed(cluster, host);
    }

    /** {@code ch} is up and pooled (one an ALPN probe opened is timed from here). */
    void connectionOpened(Channel ch) {
        UpstreamCloseOrigin.install(ch, System.nanoTime());
        stats().upstreamCxActive.incrementAndGet();
        host.activeConnections.incrementAndGet();
    }

    /**
     * A pooled connection is gone; {@code activeRequest}: a request was still on it. Envoy's onConnectionEvent:
     * reportUpstreamCxDestroy, reportUpstreamCxDestroyActiveRequest, and conn_length_ completed.
     */
    void connectionClosed(Channel ch, boolean activeRequest) {
        stats().upstreamCxActive.decrementAndGet();
        ClusterStats s = stats();
        UpstreamCloseOrigin origin = UpstreamCloseOrigin.of(ch);
        s.connectionDestroyed(origin != null && origin.local(), activeRequest);
        if (origin != null) {
            s.upstreamCxLengthMs.record(millisSince(origin.startNanos));
        }
        host.activeConnections.decrementAndGet();
        host.poolConnections.decrementAndGet();
        limits.connections.decrementAndGet();
    }

    void connectFailed(Throwable cause) {
        UpstreamConnectFailures.count(stats(), host, cause);
        host.poolConnections.decrementAndGet();
        limits.connections.decrementAndGet();
    }

    private static long millisSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    static String describe(Throwable cause) {
        if (cause == null) {
            return null;
        }
        String m = cause.getMessage();
        return m == null ? cause.getClass().getSimpleName() : m;
    }
}
