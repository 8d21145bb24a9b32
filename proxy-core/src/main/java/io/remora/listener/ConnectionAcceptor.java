package io.remora.listener;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.WriteBufferWaterMark;
import io.remora.config.ListenerConfig;
import io.remora.network.ConnectionInfo;
import io.remora.network.OriginalSource;
import io.remora.stats.ListenerStats;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.function.Supplier;

/**
 * Set up of each accepted connection: reads the listener's current runtime once (the
 * connection keeps it), recovers the original destination and hands the connection over to
 * the listener bound there when use_original_dst asks for it, runs the listener filters, then
 * picks a filter chain and gives the channel to its network filter.
 */
public final class ConnectionAcceptor extends ChannelInitializer<Channel> {
    private static final java.util.logging.Logger LOG = io.remora.log.Logging.logger("conn_handler");
    /** The last limit's marks: immutable, so every connection of a listener shares one (not 24 B each). */
    private static volatile WriteBufferWaterMark lastMark = new WriteBufferWaterMark(1, 2);

    static WriteBufferWaterMark waterMark(int limit) {
        WriteBufferWaterMark m = lastMark;
        if (m.high() != limit) {
            lastMark = m = new WriteBufferWaterMark(Math.max(1, limit / 2), limit);
        }
        return m;
    }

    private final Supplier<ListenerRuntime> current;
    private final ListenerRegistry registry;
    /** The last runtime's close accounting: shared by its connections instead of a lambda each. */
    private volatile ConnectionCloseAccounting lastClose;

    public ConnectionAcceptor(Supplier<ListenerRuntime> current, ListenerRegistry registry) {
        this.current = current;
        this.registry = registry;
    }

    @Override
    protected void initChannel(Channel ch) {
        ListenerRuntime rt = current.get();
        if (rt.isInternal() && !io.remora.internal.InternalListeners.fromThisProcess(ch)) {
            // Only this process's clusters may reach an internal listener.
            ch.close();
            return;
        }
        // original_src of the accepting listener sticks to the connection across a hand-off,
        // as the socket options Envoy's filter sets do.
        ListenerConfig.OriginalSrc originalSrc = rt.config().originalSrc();
        InetSocketAddress originalDst = null;
        if (rt.isInternal()) {
            originalDst = InternalPassthrough.accept(ch, rt);
        } else if (rt.recoversOriginalDst(ListenerRuntime.port(ch.localAddress()))) {
            originalDst = OriginalDst.of(ch, rt.config().transparent());
            if (rt.config().useOriginalDst() && originalDst != null) {
                ListenerRuntime target = registry.forOriginalDestination(originalDst);
                if (target != null) {
                    rt = target;
                }
            }
        }
        ListenerRuntime listener = rt;
        long id = io.remora.network.ConnectionIds.next(); // in accept order, as Envoy numbers connections
        io.remora.overload.ConnectionLimits.Refusal refusal = registry.admit(listener.config());
        if (refusal != io.remora.overload.ConnectionLimits.Refusal.NONE) {
            // Over a connection limit or overloaded: closed at once, as Envoy's accept-time checks do.
            switch (refusal) {
                case GLOBAL -> listener.stats().downstreamGlobalCxOverflow.increment();
                case LISTENER -> listener.stats().downstreamCxOverflow.increment();
                default -> listener.stats().downstreamCxOverloadReject.increment();
            }
            ch.close();
            return;
        }
        if (!listener.admitsByRate(ListenerRuntime.port(originalDst != null ? originalDst : ch.localAddress()))) {
            // Envoy's listener local_ratelimit closes the socket in onAccept: no connection was made.
            registry.released(listener.config());
            ch.close();
            return;
        }
        if (LOG.isLoggable(java.util.logging.Level.FINE)) {
            LOG.fine(io.remora.log.LogTags.conn(id) + "new connection from " + ch.remoteAddress() + " on listener '"
                    + listener.name() + "'" + (originalDst != null ? " (original destination " + originalDst + ")" : ""));
        }
        if (originalSrc == null) {
            originalSrc = listener.config().originalSrc();
        }
        if (originalSrc != null && ch.remoteAddress() instanceof InetSocketAddress remote) {
            ch.attr(OriginalSource.ATTR).set(new OriginalSource(
                    new InetSocketAddress(remote.getAddress(), originalSrc.bindPort() ? remote.getPort() : 0),
                    originalSrc.mark()));
        }
        listener.stats().downstreamCxTotal.increment();
        listener.stats().downstreamCxActive.incrementAndGet();
        int worker = io.remora.server.ClosingIoEventLoopGroup.workerIndex(ch.eventLoop());
        if (worker >= 0) {
            ListenerStats.Worker w = listener.stats().worker(worker);
            w.downstreamCxTotal.increment();
            w.downstreamCxActive.incrementAndGet();
        }
        registry.connectionOpened();
        ListenerAccessLog.accepted(ch, listener, id, originalDst != null ? originalDst : ch.localAddress());
        ConnectionCloseAccounting closeAccounting = closeAccounting(listener);
        ch.closeFuture().addListener(closeAccounting);
        int limit = listener.config().perConnectionBufferLimitBytes();
        if (limit > 0) {
            ch.config().setWriteBufferWaterMark(waterMark(limit));
        }
        // Each filter's filter_disabled sees the destination as the filters before it left it.
        int port = ListenerRuntime.port(originalDst != null ? originalDst : ch.localAddress());
        boolean proxyHeader = listener.readsProxyHeader(port);
        if (proxyHeader || listener.runs(ListenerConfig.ListenerFilter.TLS_INSPECTOR, port)
                || listener.runs(ListenerConfig.ListenerFilter.HTTP_INSPECTOR, port)) {
            ch.pipeline().addLast("listener-filters",
                    new ListenerFilterHandler(listener, closeAccounting, originalDst, id, proxyHeader, port));
        } else {
            dispatch(ch, id, listener, closeAccounting, originalDst, null, null, "raw_buffer", List.of(), null);
        }
    }

    private ConnectionCloseAccounting closeAccounting(ListenerRuntime listener) {
        ConnectionCloseAccounting c = lastClose;
        if (c == null || c.listener != listener) {
            lastClose = c = new ConnectionCloseAccounting(listener, registry);
        }
        return c;
    }

    // attr(key).get() would give every connection an empty attribute (24 B) for a key rarely set.
    private static OriginalSource originalSource(Channel ch) {
        return ch.hasAttr(OriginalSource.ATTR) ? ch.attr(OriginalSource.ATTR).get() : null;
    }

    /**
     * Chooses the filter chain and lets its network filter take the channel; closes the
     * channel when nothing matches. Returns false when the channel was closed. {@code close} is
     * the channel's close listener, which the chain's takes over. {@code proxiedSource}: the
     * client a PROXY protocol header named (its destination comes as {@code originalDst}), or null.
     * {@code ja3Hash}: tls_inspector's JA3 hash of the hello, or null.
     */
    static boolean dispatch(Channel ch, long id, ListenerRuntime rt, ConnectionCloseAccounting close,
                            InetSocketAddress originalDst, InetSocketAddress proxiedSource, String sni,
                            String transportProtocol, List<String> alpn, String ja3Hash) {
        SocketAddress local = originalDst != null ? originalDst : ch.localAddress();
        SocketAddress remote = proxiedSource != null ? proxiedSource : ch.remoteAddress();
        InetAddress dstIp = null;
        int dstPort = 0;
        if (local instanceof InetSocketAddress l) {
            dstIp = l.getAddress();
            dstPort = l.getPort();
        }
        InetAddress srcIp = null;
        int srcPort = 0;
        if (remote instanceof InetSocketAddress r) {
            srcIp = r.getAddress();
            srcPort = r.getPort();
        }
        InetAddress directSrcIp = proxiedSource == null ? srcIp
                : ch.remoteAddress() instanceof InetSocketAddress d ? d.getAddress() : null;
        FilterChainRuntime chain = rt.select(new FilterChainSelector.Input(dstIp, dstPort, sni, transportProtocol,
                alpn, srcIp, srcPort, directSrcIp));
        if (chain == null) {
            rt.stats().noFilterChainMatch.increment();
            ListenerAccessLog.noFilterChain(ch, rt, local, remote, sni, ja3Hash);
            if (LOG.isLoggable(java.util.logging.Level.FINE)) {
                LOG.fine(io.remora.log.LogTags.conn(id) + "closing connection from " + remote
                        + ": no matching filter chain found (listener '" + rt.name() + "', destination " + local
                        + ", server name " + sni + ", transport " + transportProtocol + ", alpn " + alpn + ")");
            }
            ch.close();
            return false;
        }
        if (LOG.isLoggable(java.util.logging.Level.FINE)) {
            String name = chain.config().name();
            LOG.fine(io.remora.log.LogTags.conn(id) + "filter chain " + (name == null || name.isEmpty() ? "(unnamed)"
                    : "'" + name + "'") + " of listener '" + rt.name() + "' selected for destination " + local
                    + (sni != null ? " server name " + sni : "") + " transport " + transportProtocol);
        }
        close.handOver(ch, chain);
        io.remora.tls.TlsConnection tls = null;
        if (chain.tls() != null) {
            java.time.Duration connectTimeout = chain.config().transportSocketConnectTimeout();
            boolean timed = TransportConnectTimeout.configured(connectTimeout);
            tls = chain.tls().install(ch, sni, timed);
            if (tls == null) {
                return false; // TLS could not be set up: closed, never served in plaintext
            }
            if (timed) {
                TransportConnectTimeout.start(ch, ch.pipeline().get(io.netty.handler.ssl.SslHandler.class),
                        connectTimeout, chain.overload(), rt.stats().downstreamCxTransportSocketConnectTimeout);
            }
        }
        if (chain.socketTap() != null) {
            // Between TLS and the filters: it sees what they read and write, in plaintext.
            io.netty.channel.ChannelHandler tap = chain.socketTap().newHandler(ch, id);
            if (tap != null) {
                ch.pipeline().addLast("tap", tap);
            }
        }
        if (chain.config().tcpStats() != null) {
            io.remora.network.TcpStatsHandler.install(ch, rt.stats().tcpStats(), chain.config().tcpStats());
        }
        ConnectionInfo info = new ConnectionInfo(chain.origin(rt.name(), rt.config().perConnectionBufferLimitBytes(),
                rt.config().metadata()), local, remote, originalDst, sni, transportProtocol, alpn, tls,
                originalSource(ch), id, ja3Hash);
        ListenerAccessLog.chainChosen(ch, rt, info);
        chain.accept(ch, info);
        return true;
    }
}
