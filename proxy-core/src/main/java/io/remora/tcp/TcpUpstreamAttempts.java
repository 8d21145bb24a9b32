package io.remora.tcp;

import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.RecvByteBufAllocator;
import io.remora.accesslog.ResponseFlag;
import io.remora.accesslog.StreamInfo;
import io.remora.accesslog.StreamTimings;
import io.remora.config.BackoffStrategy;
import io.remora.http.upstream.ConnectFailure;
import io.remora.http.upstream.ConnectionPool;
import io.remora.http.upstream.ConnectionPools;
import io.remora.http.upstream.ResetReason;
import io.remora.http.upstream.UpstreamConnectFailures;
import io.remora.log.LogTags;
import io.remora.network.ConnectionIds;
import io.remora.stats.CircuitBreakerStats;
import io.remora.upstream.Cluster;
import io.remora.upstream.Host;
import io.remora.upstream.OutlierMonitor;
import io.remora.upstream.TransportSocketOptions;
import io.remora.upstream.UpstreamConnector;
import io.remora.util.JitteredBackOff;

import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * How a tcp_proxy session gets its upstream, as Envoy's TcpProxy::Filter does: a host from the
 * cluster (hosts already tried avoided), the max_connections circuit breaker, a connection of its
 * own or an HTTP tunnel stream from the cluster's pool, and another attempt after a failed connect
 * until max_connect_attempts. Static over the session's fields: no object per connection.
 */
final class TcpUpstreamAttempts {
    private static final Logger LOG = io.remora.log.Logging.logger("filter");

    /** Largest single read of a relay: bulk transfers move in fewer, larger syscalls. */
    static final int MAX_READ = Integer.getInteger("remora.tcp.maxRead", 256 * 1024);

    /** A byte relay: reads start off (turned on once both sides are up), FINs pass as half-closes. */
    private static final UpstreamConnector.ConnectOptions RELAY =
            new UpstreamConnector.ConnectOptions(List.of(), true, bulkReads());

    private TcpUpstreamAttempts() {
    }

    /** Reads that grow to {@link #MAX_READ} while the peer keeps them full, and shrink back when idle. */
    static RecvByteBufAllocator bulkReads() {
        return new AdaptiveRecvByteBufAllocator(64, 16 * 1024, MAX_READ);
    }

    /** One attempt: the session's upstream is set, or the downstream is closed with the reason flagged. */
    static void connect(TcpProxySession s) {
        Channel downstream = s.downstream;
        if (LOG.isLoggable(Level.FINE)) {
            LOG.fine(LogTags.conn(s.streamInfo.connectionId) + "Creating connection to cluster " + s.cluster.name());
        }
        // Envoy's connection pool callback latency runs from the first attempt to the pool's answer.
        s.streamInfo.mark(StreamTimings.Point.POOL_REQUESTED);
        // An aggregate cluster hands the attempt to a member: its connections and stats are the member's.
        Cluster cluster = s.cluster.pickCluster(s.lb);
        Host h = cluster == null ? null : cluster.chooseHost(s.lb);
        if (h == null) {
            s.streamInfo.setFlag(ResponseFlag.NO_HEALTHY_UPSTREAM);
            s.cluster.stats().upstreamCxNoneHealthy.increment();
            initFailure(s);
            return;
        }
        s.upstreamCluster = cluster;
        s.clusterStats = cluster.stats();
        TcpProxyFilter filter = s.filter;
        if (filter.tunnel != null && !tunnelingDisabled(downstream)) {
            if (cluster.limits().count(CircuitBreakerStats.Resource.CONNECTIONS)
                    >= cluster.limits().max(CircuitBreakerStats.Resource.CONNECTIONS)) {
                // Envoy's establishUpstreamConnection checks max_connections before any pool, a
                // tunnel's too, though an HTTP/2 tunnel would share a connection already open.
                overflow(s);
                return;
            }
            // The pool's connections and circuit breakers govern the tunnel's stream; as Envoy's, the
            // connection's shared filter state objects key the pool and go with its connections.
            io.remora.network.FilterState state = io.remora.network.FilterState.existing(downstream);
            ConnectionPool pool = ConnectionPools.get(downstream.eventLoop(), filter.context.transport(), cluster, h,
                    HttpTunnelUpstream.protocol(cluster.config().protocol()), io.remora.http.upstream.PoolOptions.of(
                            s.info.originalSource(), TransportSocketOptions.alpnOverride(state),
                            TransportSocketOptions.tlsNames(state), proxyProtocolData(cluster, downstream, s), false,
                            state));
            if (pool == ConnectionPools.REFUSED) {
                // max_connection_pools: Envoy's HttpConnPool is not valid, so no generic pool (UH).
                s.streamInfo.setFlag(ResponseFlag.NO_HEALTHY_UPSTREAM);
                initFailure(s);
                return;
            }
            attempt(s, h);
            HttpTunnelUpstream tunnel = new HttpTunnelUpstream(s, h, filter.tunnel, s.lb);
            s.upstream = tunnel;
            tunnel.open(pool);
            return;
        }
        open(s, cluster, h);
    }

    /**
     * Envoy's generic pool factory makes a plain TCP connection, tunneling_config or not, for a
     * connection whose filter state {@code envoy.tcp_proxy.disable_tunneling} is true.
     */
    private static boolean tunnelingDisabled(Channel downstream) {
        io.remora.network.FilterState state = io.remora.network.FilterState.existing(downstream);
        return state != null
                && Boolean.TRUE.equals(state.get(io.remora.config.TcpProxyConfig.DISABLE_TUNNELING));
    }

    /**
     * A session that waited for the per-host connection limit ({@link TcpHostSlots}) tries its
     * host again: a connection of this worker to it closed.
     */
    static void resume(TcpProxySession s, Cluster cluster, Host h) {
        open(s, cluster, h);
    }

    /** The circuit breakers, then a connection of the session's own to {@code h}. */
    private static void open(TcpProxySession s, Cluster cluster, Host h) {
        Channel downstream = s.downstream;
        if (!cluster.limits().tryAcquireConnection()) {
            // As Envoy's tcp_proxy, before the pool: the pool would queue the session behind
            // connections that may never be released.
            overflow(s);
            return;
        }
        if (!TcpPoolCounts.pending(s, cluster)) {
            cluster.limits().connections.decrementAndGet();
            pendingOverflow(s);
            return;
        }
        boolean perHost = cluster.config().options().limitsConnectionsPerHost();
        io.remora.stats.ClusterStats stats = cluster.stats();
        if (perHost && !TcpHostSlots.acquire(s, cluster, h)) {
            cluster.limits().connections.decrementAndGet(); // a waiting session holds no connection
            return;
        }
        attempt(s, h);
        // A tunnel's connection is its pool's to count; Envoy's pool counts this one active from its connect.
        stats.upstreamCxTotal.increment();
        stats.upstreamCxActive.incrementAndGet();
        h.stats.cxTotal.increment();
        h.activeConnections.incrementAndGet();
        h.poolConnections.incrementAndGet(); // the per-host limit counts it from the connect, as Envoy's cx_active
        ChannelUpstream handler = new ChannelUpstream(s);
        s.upstream = handler;
        long start = System.nanoTime();
        Channel ch = s.filter.connector.connectAny(downstream.eventLoop(), cluster, h, relayOptions(s, cluster),
                c -> c.pipeline().addLast(handler), new UpstreamConnector.Callback() {
                    @Override
                    public void onConnected(Channel channel) {
                        // With happy eyeballs the attempt that won may not be the first one.
                        handler.channel(channel);
                        // the tcp pool's conn_connect_ms and conn_length_, from the connect's start
                        stats.upstreamCxConnectMs.record(millisSince(start));
                        channel.closeFuture().addListener(c -> {
                            released(cluster, h, perHost);
                            stats.upstreamCxLengthMs.record(millisSince(start));
                            TcpPoolCounts.closed(s, cluster, h);
                        });
                        if (s.downstream.isActive()) {
                            TcpPoolCounts.attached(s, cluster, h);
                        }
                        connected(s, handler, h);
                    }

                    @Override
                    public void onFailure(Channel channel, Throwable cause, boolean tls) {
                        released(cluster, h, perHost); // the channel, if any, is closed already
                        stats.upstreamCxActive.decrementAndGet();
                        stats.upstreamCxLengthMs.record(millisSince(start));
                        if (!s.downstream.isOpen()) {
                            // Closed here for the client's close (Envoy's cancel with CloseExcess): a local close.
                            UpstreamConnectFailures.countLocalClose(stats, h);
                            return;
                        }
                        UpstreamConnectFailures.count(stats, h, cause);
                        TcpPoolCounts.connectFailed(s);
                        failed(s, h, ConnectFailure.reason(cause), ConnectFailure.transportFailure(cause));
                    }
                });
        if (ch != null) {
            handler.channel(ch);
        } else {
            s.upstream = null;
        }
    }

    /**
     * As Envoy's tcp_proxy: the connection's filter state sets the upstream TLS (SNI, ALPN, SANs)
     * and PROXY data, besides the listener's original_src and the objects shared upstream.
     */
    private static UpstreamConnector.ConnectOptions relayOptions(TcpProxySession s, Cluster cluster) {
        Channel downstream = s.downstream;
        io.remora.network.FilterState state = io.remora.network.FilterState.existing(downstream);
        return RELAY.forDownstream(downstream).with(null, TransportSocketOptions.alpnOverride(state))
                .withTlsNames(TransportSocketOptions.tlsNames(state))
                .withProxyProtocol(proxyProtocolData(cluster, downstream, s));
    }

    private static long millisSince(long startNanos) {
        return java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    private static void attempt(TcpProxySession s, Host h) {
        s.attempts++;
        s.tried.add(h);
        s.streamInfo.upstreamHostAttempted(h.address(), h.hostname());
        s.streamInfo.upstreamConfiguredAddress(h.configuredAddress());
        s.streamInfo.attemptCount = s.attempts;
    }

    /** The max_connections circuit breaker is full: UO, counted, and the connection ends (no retry). */
    private static void overflow(TcpProxySession s) {
        s.streamInfo.setFlag(ResponseFlag.UPSTREAM_OVERFLOW);
        s.clusterStats.upstreamCxOverflow.increment();
        initFailure(s);
    }

    /**
     * No upstream: the connection ends. As Envoy's onInitFailure, the pool callback latency ends
     * here too when an attempt had started.
     */
    private static void initFailure(TcpProxySession s) {
        if (s.streamInfo.sinceStart(StreamTimings.Point.POOL_REQUESTED) >= 0) {
            s.streamInfo.mark(StreamTimings.Point.POOL_READY);
        }
        s.downstream.close();
    }

    /**
     * What an upstream_proxy_protocol socket sends for this session, as Envoy's tcp_proxy gives it:
     * the connection's filter state object, else its remote and local addresses with
     * {@code proxy_protocol_tlvs}; null when the cluster sends no PROXY header (nothing to compute).
     */
    private static io.remora.network.ProxyProtocolData proxyProtocolData(Cluster cluster, Channel downstream,
                                                                         TcpProxySession s) {
        return cluster.config().usesProxyProtocol() ? io.remora.network.ProxyProtocolData.of(
                io.remora.network.FilterState.existing(downstream), s.info, s.filter.config.proxyProtocolTlvs()) : null;
    }

    private static void released(Cluster cluster, Host h, boolean perHost) {
        h.activeConnections.decrementAndGet();
        h.poolConnections.decrementAndGet();
        cluster.limits().connections.decrementAndGet();
        if (perHost) {
            TcpHostSlots.release(cluster, h);
        }
    }

    /**
     * Envoy's pool failed the stream with Overflow (max_pending_requests): tcp_proxy takes it as a
     * local close while connecting, so another attempt follows while max_connect_attempts allows.
     */
    private static void pendingOverflow(TcpProxySession s) {
        s.attempts++;
        s.streamInfo.attemptCount = s.attempts;
        if (s.attempts < s.filter.maxConnectAttempts) {
            connect(s);
        } else {
            s.streamInfo.setFlag(ResponseFlag.UPSTREAM_RETRY_LIMIT_EXCEEDED);
            s.clusterStats.upstreamCxConnectAttemptsExceeded.increment();
            initFailure(s);
        }
    }

    /** The upstream is up (connected, or the tunnel answered 2xx): counted, described, then the relay starts. */
    static void connected(TcpProxySession s, TcpUpstream u, Host h) {
        if (!s.downstream.isActive()) {
            u.close();
            return;
        }
        s.streamInfo.mark(StreamTimings.Point.POOL_READY);
        h.outlier().reportLocalOrigin(OutlierMonitor.LocalOriginEvent.CONNECT_SUCCESS_FINAL);
        s.connectionCounted = true;
        StreamInfo info = s.streamInfo;
        info.upstreamLocalAddress = u.localAddress();
        info.upstreamRemoteAddress(h.addresses().isEmpty() || u.connection() == null ? null
                : u.connection().remoteAddress());
        info.upstreamConnection = io.remora.accesslog.UpstreamConnectionFacts.of(ConnectionIds.of(u.connection()),
                io.remora.upstream.UpstreamConnectTimes.of(u.connection()));
        info.upstreamConnectionAttempted(info.upstreamConnection);
        info.upstreamHostMetadata = h.metadataByNamespace;
        info.upstreamTls = u.tls();
        info.upstreamFilterState(u.filterState());
        if (u instanceof ChannelUpstream c && s.upstreamCluster.config().closeConnectionsOnHostHealthFailure()) {
            // Envoy closes the host's TCP connections outright (no flush) when it fails its health check.
            var watch = h.healthFailure.add(c.channel().eventLoop(), u::close);
            c.channel().closeFuture().addListener(f -> h.healthFailure.remove(watch));
        }
        TcpRelayStart.start(s, u);
    }

    /**
     * The attempt failed, for {@code reason} as Envoy's onGenericPoolFailure takes its pool's
     * failure: a remote failure (a refused connect or tunnel) flags UF, a connect timeout UF and an
     * outlier timeout, an overflow or a local failure (a socket that could not be bound) is a local
     * close, no flag. The transport failure reason is each failure's, kept though a retry then
     * connects. Then another attempt (after backoff_options' wait, the session's own back-off,
     * where Envoy shares one per listener), or the connection ends.
     */
    static void failed(TcpProxySession s, Host h, ResetReason reason, String transportFailure) {
        s.streamInfo.upstreamTransportFailureReason(transportFailure);
        switch (reason) {
            case OVERFLOW, LOCAL_CONNECTION_FAILURE -> {
            }
            case CONNECTION_TIMEOUT -> {
                s.streamInfo.setFlag(ResponseFlag.UPSTREAM_CONNECTION_FAILURE);
                h.outlier().reportLocalOrigin(OutlierMonitor.LocalOriginEvent.TIMEOUT);
            }
            default -> {
                s.streamInfo.setFlag(ResponseFlag.UPSTREAM_CONNECTION_FAILURE);
                h.outlier().reportLocalOrigin(OutlierMonitor.LocalOriginEvent.CONNECT_FAILED);
            }
        }
        if (!s.downstream.isActive()) {
            return;
        }
        if (s.attempts < s.filter.maxConnectAttempts) {
            BackoffStrategy b = s.filter.config.connectBackoff();
            if (b == null) {
                connect(s);
                return;
            }
            if (s.connectBackoff == null) {
                s.connectBackoff = new JitteredBackOff(b.base().toMillis(), b.max().toMillis());
            }
            s.downstream.eventLoop().schedule(() -> {
                if (s.downstream.isActive()) {
                    connect(s);
                }
            }, s.connectBackoff.nextMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } else {
            // As Envoy's onConnectMaxAttempts: URX beside the failures' UF, and the cluster's count.
            s.streamInfo.setFlag(ResponseFlag.UPSTREAM_RETRY_LIMIT_EXCEEDED);
            s.clusterStats.upstreamCxConnectAttemptsExceeded.increment();
            initFailure(s);
        }
    }
}
