package io.remora.http.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.unix.DomainSocketAddress;
import io.remora.server.Transport;
import io.remora.stats.ClusterStats;
import io.remora.upstream.Cluster;
import io.remora.upstream.Host;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.ScheduledFuture;
import io.remora.config.TransportSocketConfig;

import javax.net.ssl.SSLException;
import java.net.InetSocketAddress;
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
    private List<Host> lastHosts;
    private boolean hostRemoved;
    private ScheduledFuture<?> sweeper;

    private final SslContext ssl;
    private final Throwable sslError;

    PoolContext(EventLoop loop, Cluster cluster, Host host, Transport transport, Runnable onIdle, boolean http2) {
        this.loop = loop;
        this.cluster = cluster;
        this.host = host;
        this.transport = transport;
        this.onIdle = onIdle;
        SslContext s = null;
        Throwable err = null;
        TransportSocketConfig ts = cluster.config().transportSocket();
        if (ts != null) {
            try {
                s = UpstreamTls.context(ts, http2);
            } catch (SSLException | RuntimeException e) {
                err = e;
            }
        }
        this.ssl = s;
        this.sslError = err;
    }

    /**
     * Connects and, for a TLS cluster, handshakes; {@code done} gets the channel or the cause.
     * {@code pipeline} installs the protocol handlers (after TLS).
     */
    Channel connect(java.util.function.Consumer<Channel> pipeline, java.util.function.BiConsumer<Channel, Throwable> done) {
        if (sslError != null) {
            loop.execute(() -> done.accept(null, sslError));
            return null;
        }
        TransportSocketConfig ts = cluster.config().transportSocket();
        host.stats.cxTotal.increment();
        if (POOL_LOG.isLoggable(java.util.logging.Level.FINE)) {
            POOL_LOG.fine("creating a new connection to " + host.address() + " for cluster '" + cluster.name() + "'"
                    + (ssl != null ? " (TLS)" : ""));
        }
        ChannelFuture f = bootstrap().handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                if (ssl != null) {
                    String sni = ts.sni() == null || ts.sni().isEmpty() ? null : ts.sni();
                    int port = host.address() instanceof InetSocketAddress a ? a.getPort() : -1;
                    ch.pipeline().addLast(sni == null ? ssl.newHandler(ch.alloc()) : ssl.newHandler(ch.alloc(), sni, port));
                }
                pipeline.accept(ch);
            }
        }).connect(host.address());
        f.addListener(fut -> {
            if (!fut.isSuccess()) {
                done.accept(null, fut.cause());
                return;
            }
            SslHandler h = f.channel().pipeline().get(SslHandler.class);
            if (h == null) {
                done.accept(f.channel(), null);
                return;
            }
            h.handshakeFuture().addListener(hs -> {
                Throwable sanError = hs.isSuccess() ? UpstreamTls.checkSubjectAltNames(ts, h.engine()) : null;
                if (hs.isSuccess() && sanError == null) {
                    done.accept(f.channel(), null);
                } else if (sanError != null) {
                    f.channel().close();
                    done.accept(null, sanError);
                } else {
                    f.channel().close();
                    done.accept(null, hs.cause());
                }
            });
        });
        return f.channel();
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

    /** While the pool has connections, checks now and then that its host still exists. */
    void startSweeping(ConnectionPool pool) {
        if (sweeper == null) {
            sweeper = loop.scheduleAtFixedRate(() -> {
                if (hostRemoved()) {
                    pool.drainAndClose();
                }
            }, SWEEP_SECONDS, SWEEP_SECONDS, TimeUnit.SECONDS);
        }
    }

    void stopSweeping() {
        if (sweeper != null) {
            sweeper.cancel(false);
            sweeper = null;
        }
    }

    ClusterStats stats() {
        return cluster.stats();
    }

    Bootstrap bootstrap() {
        Class<? extends Channel> type = host.address() instanceof DomainSocketAddress
                ? transport.domainSocketChannel() : transport.socketChannel();
        Duration ct = cluster.config().connectTimeout();
        int ms = ct == null || ct.isZero() ? 5000 : (int) Math.min(Integer.MAX_VALUE, ct.toMillis());
        return new Bootstrap().group(loop).channel(type)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, ms)
                .option(ChannelOption.TCP_NODELAY, true);
    }

    long idleTimeoutMillis() {
        Duration d = cluster.config().upstreamIdleTimeout();
        return d == null ? 3_600_000L : d.toMillis();
    }

    int maxRequestsPerConnection() {
        return cluster.config().maxRequestsPerConnection();
    }

    void connectionOpened() {
        if (POOL_LOG.isLoggable(java.util.logging.Level.FINE)) {
            POOL_LOG.fine("connected to " + host.address() + " for cluster '" + cluster.name() + "'");
        }
        stats().upstreamCxActive.incrementAndGet();
        host.activeConnections.incrementAndGet();
    }

    void connectionClosed() {
        if (POOL_LOG.isLoggable(java.util.logging.Level.FINE)) {
            POOL_LOG.fine("closed connection to " + host.address() + " of cluster '" + cluster.name() + "'");
        }
        stats().upstreamCxActive.decrementAndGet();
        stats().upstreamCxDestroy.increment();
        host.activeConnections.decrementAndGet();
        cluster.limits().connections.decrementAndGet();
    }

    void connectFailed(Throwable cause) {
        if (POOL_LOG.isLoggable(java.util.logging.Level.FINE)) {
            POOL_LOG.fine("connection failure to " + host.address() + " of cluster '" + cluster.name() + "': "
                    + describe(cause));
        }
        host.stats.cxConnectFail.increment();
        stats().upstreamCxConnectFail.increment();
        if (cause instanceof io.netty.channel.ConnectTimeoutException) {
            stats().upstreamCxConnectTimeout.increment();
        }
        cluster.limits().connections.decrementAndGet();
    }

    static String describe(Throwable cause) {
        if (cause == null) {
            return null;
        }
        String m = cause.getMessage();
        return m == null ? cause.getClass().getSimpleName() : m;
    }
}
