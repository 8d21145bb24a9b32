package io.remora.http.upstream;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import io.remora.config.ClusterConfig.UpstreamProtocol;
import io.remora.server.CompactRecvAllocator;
import io.remora.server.Transport;
import io.remora.upstream.Cluster;
import io.remora.upstream.Host;
import io.remora.upstream.UpstreamConnector;

import io.netty.channel.EventLoop;

import java.util.ArrayDeque;
import java.util.List;

/**
 * {@code HttpProtocolOptions.auto_config} for one (worker, host): the protocol is the one ALPN
 * negotiates with the host, offering h2 and http/1.1 (a host that picks neither, or a plaintext
 * one, speaks HTTP/1.1). The first request to a host whose choice is not known yet waits for one
 * TLS connection that learns it; that connection then joins the HTTP/1.1 or HTTP/2 pool and
 * serves the waiting requests. The choice is kept on the host, and from then on requests go
 * straight to that pool.
 */
final class AlpnProbePool implements ConnectionPool {

    private static final UpstreamConnector.ConnectOptions PROBE =
            new UpstreamConnector.ConnectOptions(List.of("h2", "http/1.1"), false, CompactRecvAllocator.SHARED);

    private final EventLoop loop;
    private final Transport transport;
    private final Cluster cluster;
    private final Host host;
    private final PoolOptions options;
    private final Runnable onIdle;
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    private boolean probing;

    AlpnProbePool(EventLoop loop, Transport transport, Cluster cluster, Host host, PoolOptions options,
                  Runnable onIdle) {
        this.loop = loop;
        this.transport = transport;
        this.cluster = cluster;
        this.host = host;
        this.options = options;
        this.onIdle = onIdle;
    }

    /** The protocol auto_config uses for this host now; null while it is not known. */
    static UpstreamProtocol known(Cluster cluster, Host host) {
        if (cluster.config().transportSocket() == null && cluster.config().transportSocketMatches().isEmpty()) {
            return UpstreamProtocol.HTTP1; // no TLS, no ALPN: HTTP/1.1, as Envoy does
        }
        String alpn = host.negotiatedAlpn();
        return alpn == null ? null : "h2".equals(alpn) ? UpstreamProtocol.HTTP2 : UpstreamProtocol.HTTP1;
    }

    private final class Waiting implements Cancellable {
        final UpstreamCallbacks callbacks;
        Cancellable inner;
        boolean cancelled;

        Waiting(UpstreamCallbacks callbacks) {
            this.callbacks = callbacks;
        }

        @Override
        public void cancel() {
            cancelled = true;
            if (inner != null) {
                inner.cancel();
            } else {
                waiting.remove(this);
            }
        }
    }

    @Override
    public Cancellable newStream(UpstreamCallbacks callbacks) {
        UpstreamProtocol p = known(cluster, host);
        if (p != null) {
            return ConnectionPools.get(loop, transport, cluster, host, p, options).newStream(callbacks);
        }
        Waiting w = new Waiting(callbacks);
        waiting.add(w);
        if (!probing) {
            probe();
        }
        return w;
    }

    private void probe() {
        probing = true;
        // The probe is the first connection of the pool it ends up in: counted now, and opened
        // even at the connection limit, as Envoy opens a pool's first connection regardless.
        cluster.limits().priority(PoolOptions.high(options)).connections.incrementAndGet();
        host.poolConnections.incrementAndGet();
        cluster.stats().upstreamCxTotal.increment();
        host.stats.cxTotal.increment();
        HoldReads hold = new HoldReads();
        new UpstreamConnector(transport).connect(loop, cluster, host, PoolOptions.connectOptions(options, PROBE),
                ch -> ch.pipeline().addLast(hold), new UpstreamConnector.Callback() {
            @Override
            public void onConnected(Channel channel) {
                SslHandler tls = channel.pipeline().get(SslHandler.class);
                String alpn = tls == null ? null : tls.applicationProtocol();
                host.negotiatedAlpn(alpn == null ? "http/1.1" : alpn);
                probing = false;
                // As Envoy's mixed pool: the connection that learned the protocol carries the
                // requests. Handed over now, as the handshake completes, before the peer's
                // first bytes (an h2 server's SETTINGS) are read.
                ConnectionPool pool = ConnectionPools.get(loop, transport, cluster, host, known(cluster, host), options);
                if (pool instanceof Http2ConnectionPool h2) {
                    h2.adopt(channel);
                } else {
                    ((Http1ConnectionPool) pool).adopt(channel);
                }
                hold.passOn();
                dispatch();
            }

            @Override
            public void onFailure(Channel channel, Throwable cause, boolean tls) {
                probing = false;
                cluster.limits().priority(PoolOptions.high(options)).connections.decrementAndGet();
                host.poolConnections.decrementAndGet();
                UpstreamConnectFailures.count(cluster.stats(), host, cause);
                ResetReason reason = ConnectFailure.reason(cause);
                String why = ConnectFailure.transportFailure(cause);
                Waiting w;
                while ((w = waiting.pollFirst()) != null) {
                    w.callbacks.onPoolFailure(reason, why);
                }
                onIdle.run();
            }
        });
    }

    /**
     * Holds what the peer sends before the probe's connection has its protocol handlers (an h2
     * server's SETTINGS may come with the handshake, or while upstream network filters run), then
     * passes it on to them and leaves the pipeline.
     */
    private static final class HoldReads extends io.netty.channel.ChannelInboundHandlerAdapter {
        private final ArrayDeque<Object> held = new ArrayDeque<>();
        private io.netty.channel.ChannelHandlerContext ctx;

        @Override
        public void handlerAdded(io.netty.channel.ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
            held.add(msg);
        }

        @Override
        public void channelReadComplete(io.netty.channel.ChannelHandlerContext ctx) {
        }

        /** Called once the protocol handlers are in the pipeline after this one. */
        void passOn() {
            if (ctx == null || ctx.isRemoved()) {
                return;
            }
            Object msg;
            boolean any = false;
            while ((msg = held.pollFirst()) != null) {
                ctx.fireChannelRead(msg);
                any = true;
            }
            if (any) {
                ctx.fireChannelReadComplete();
            }
            ctx.pipeline().remove(this);
        }

        @Override
        public void handlerRemoved(io.netty.channel.ChannelHandlerContext ctx) {
            Object msg;
            while ((msg = held.pollFirst()) != null) {
                io.netty.util.ReferenceCountUtil.release(msg);
            }
        }
    }

    private void dispatch() {
        UpstreamProtocol p = known(cluster, host);
        ConnectionPool pool = ConnectionPools.get(loop, transport, cluster, host, p, options);
        Waiting w;
        while ((w = waiting.pollFirst()) != null) {
            if (!w.cancelled) {
                w.inner = pool.newStream(w.callbacks);
            }
        }
        onIdle.run();
    }

    @Override
    public boolean isIdle() {
        return waiting.isEmpty() && !probing;
    }

    @Override
    public void drainAndClose() {
    }
}
