package io.remora.http;

import io.netty.channel.Channel;
import io.remora.accesslog.AccessLog;
import io.remora.config.HttpConnectionManagerConfig;
import io.remora.config.HttpConnectionManagerConfig.ServerHeaderTransformation;
import io.remora.config.Http2Options;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.network.ConnectionInfo;
import io.remora.network.NetworkFilter;
import io.remora.server.ServerContext;
import io.remora.stats.HttpConnManagerStats;

import java.time.Duration;
import java.util.List;

/**
 * The runtime of one {@code http_connection_manager} config: everything compiled once (filter
 * factories, routes, stats, access logs) and shared by all connections of its filter chain.
 */
public final class HttpConnectionManager implements NetworkFilter {

    /** The pipeline name of the HTTP/2 codec's {@link FlushCoalescer}. */
    static final String FLUSH_NAME = "remora-flush";

    final HttpConnectionManagerConfig config;
    final ServerContext context;
    final HttpConnManagerStats stats;
    final Routes.Provider routes;
    final FilterFactoryEntry[] filterFactories;
    /** Null without early header mutations, so a stream pays one null check. */
    final io.remora.route.HeaderMutationRules earlyHeaderMutations;
    /** Null without original_ip_detection_extensions. */
    final OriginalIpDetectors ipDetectors;
    final Upgrades upgrades;
    final AccessLog[] accessLogs;
    final Http2Options http2Options;
    final long streamIdleTimeoutNanos;
    final long requestTimeoutNanos;
    final long idleTimeoutNanos;
    final int maxRequestHeadersBytes;
    final int maxRequestHeadersCount;
    final String serverName;
    final ServerHeaderTransformation serverHeaderTransformation;
    final long requestHeadersTimeoutNanos;
    /** Downstream max_connection_duration (0: none) and max_requests_per_connection (0: unlimited). */
    final long maxConnectionDurationNanos;
    /**
     * The case HTTP/1.1 response header names are written in when the response carries none
     * (proper_case_words); null: as held. Here, not on each connection, which every idle one holds.
     */
    final io.remora.http.upstream.HeaderNameCase http1NameCase;
    final int maxRequestsPerConnection;
    final io.remora.overload.OverloadManager overload;
    /** {@code local_reply_config}, compiled; null when not configured. */
    final LocalReplyRewriter localReply;
    /** What an HTTP/1.1 connection's last write runs: its delayed close. */
    final io.netty.channel.ChannelFutureListener delayedClose;
    /** {@code internal_address_config}'s ranges, compiled; empty: Envoy's default internal set. */
    private final List<io.remora.matching.CompiledCidr> internalRanges;
    /**
     * Connections open. They are not kept in a set of their own (a node each): each worker's
     * overload part links its connections already, which a drain walks.
     */
    private final java.util.concurrent.atomic.AtomicInteger open = new java.util.concurrent.atomic.AtomicInteger();
    /** This filter's drain once its chain drains (the first, unless an immediate one follows), else null. */
    private volatile io.remora.server.DrainDecision drain;

    /**
     * Envoy's InternalAddressConfig: a Unix socket peer is internal with {@code unix_sockets}; an
     * IP is internal when in {@code cidr_ranges}, or without ranges when Envoy's RFC 1918 / RFC 4193
     * set has it. Without {@code internal_address_config} no peer is internal (Envoy 1.33 on).
     */
    boolean isInternal(java.net.SocketAddress peer) {
        if (peer instanceof java.net.InetSocketAddress i) {
            return i.getAddress() != null && isInternal(i.getAddress());
        }
        return peer instanceof io.netty.channel.unix.DomainSocketAddress && config.internalAddressConfig().unixSockets();
    }

    boolean isInternal(java.net.InetAddress ip) {
        if (!config.internalAddressConfig().configured()) {
            return false;
        }
        if (internalRanges.isEmpty()) {
            return InternalAddresses.isDefaultInternal(ip);
        }
        return XForwardedFor.inAny(internalRanges, ip);
    }

    HttpConnectionManager(HttpConnectionManagerConfig config, ServerContext context, Routes.Provider routes,
                          List<FilterFactoryEntry> filterFactories, List<AccessLog> accessLogs) {
        this(config, context, routes, filterFactories, accessLogs, java.util.Map.of());
    }

    /** @param upgradeChains upgrade type (lower case) to its own filter chain, for upgrades that have one */
    HttpConnectionManager(HttpConnectionManagerConfig config, ServerContext context, Routes.Provider routes,
                          List<FilterFactoryEntry> filterFactories, List<AccessLog> accessLogs,
                          java.util.Map<String, FilterFactoryEntry[]> upgradeChains) {
        this.config = config;
        this.upgrades = new Upgrades(config.upgrades(), upgradeChains);
        this.context = context;
        this.stats = context.stats().http(config.statPrefix() == null ? "" : config.statPrefix());
        this.routes = routes;
        this.filterFactories = filterFactories.toArray(new FilterFactoryEntry[0]);
        this.earlyHeaderMutations = config.earlyHeaderMutations().isEmpty() ? null
                : io.remora.route.HeaderMutationRules.of(config.earlyHeaderMutations());
        this.ipDetectors = OriginalIpDetectors.of(config.originalIpDetections());
        this.accessLogs = accessLogs == null ? new AccessLog[0] : accessLogs.toArray(new AccessLog[0]);
        this.http2Options = config.http2Options() == null ? Http2Options.DEFAULT : config.http2Options();
        this.streamIdleTimeoutNanos = nanos(config.streamIdleTimeout(), Duration.ofMinutes(5));
        this.requestTimeoutNanos = nanos(config.requestTimeout(), Duration.ZERO);
        this.idleTimeoutNanos = nanos(config.idleTimeout(), Duration.ofHours(1));
        this.maxRequestHeadersBytes = (config.maxRequestHeadersKb() > 0 ? config.maxRequestHeadersKb() : 60) * 1024;
        this.maxRequestHeadersCount = config.maxRequestHeadersCount() > 0 ? config.maxRequestHeadersCount() : 100;
        this.serverName = config.serverName() == null || config.serverName().isEmpty() ? "envoy" : config.serverName();
        this.serverHeaderTransformation = config.serverHeaderTransformation() == null
                ? ServerHeaderTransformation.OVERWRITE : config.serverHeaderTransformation();
        this.requestHeadersTimeoutNanos = nanos(config.requestHeadersTimeout(), Duration.ZERO);
        this.maxConnectionDurationNanos = nanos(config.maxConnectionDuration(), Duration.ZERO);
        this.maxRequestsPerConnection = config.maxRequestsPerConnection();
        this.http1NameCase = io.remora.http.upstream.HeaderNameCase.of(config.http1Options());
        this.overload = config.bypassOverloadManager() ? io.remora.overload.OverloadManager.unmanaged()
                : context.overload();
        this.delayedClose = DelayedClose.after(config.delayedCloseTimeout(), stats.downstreamCxDelayedCloseTimeout);
        this.localReply = LocalReplyRewriter.of(config.localReply(), context::runtime);
        this.internalRanges = io.remora.matching.CompiledCidr.of(config.internalAddressConfig().cidrRanges());
    }

    /** One configured HTTP filter: its name, whether the HCM disabled it, and its factory. */
    record FilterFactoryEntry(String name, boolean disabled, HttpFilterFactory factory) {
    }

    private static long nanos(Duration d, Duration dflt) {
        return (d == null ? dflt : d).toNanos();
    }

    @Override
    public void onAccept(Channel downstream, ConnectionInfo info) {
        if (overload.shedCreatingCodec.shouldShedLoad()) {
            // Envoy's hcm_ondata_creating_codec: closed before any codec is made for it.
            downstream.close();
            return;
        }
        ConnectionContext cx = new ConnectionContext(this, downstream, info);
        stats.downstreamCxTotal.increment();
        stats.downstreamCxActive.incrementAndGet();
        if (cx.tls) {
            stats.downstreamCxSslTotal.increment();
            stats.downstreamCxSslActive.incrementAndGet();
        }
        open.incrementAndGet();
        // One socket write per event-loop pass instead of one per HTTP object: a response's
        // headers and body (and a batch of HTTP/2 frames) leave in one writev. A FlushCoalescer
        // does it, counting the connection's bytes too (below the codecs, above TLS): in front of
        // HTTP/2, while HTTP/1.1's one stage is one itself. The sniffer installs it for HTTP/2.
        switch (config.codecType() == null ? HttpConnectionManagerConfig.CodecType.AUTO : config.codecType()) {
            case HTTP1 -> Http1Connection.install(cx);
            case HTTP2 -> ProtocolSniffer.install(cx, true); // the codec comes with the client's preface
            default -> ProtocolSniffer.install(cx, false); // the first bytes decide, with ALPN's choice
        }
        cx.armIdleTimer();
        cx.lifetime = ConnectionLifetime.start(cx);
        // The codec's channelInactive ends the context, not a close listener (one more would cost
        // every connection a listener list). The filter may have been handed a channel that closed
        // while its network filters decided; one whose inactive event is still due is ended twice.
        if (!downstream.isActive()) {
            cx.onClosed();
        }
    }

    /**
     * The coalescer in front of an HTTP/2 codec, counting this connection manager's bytes. Every
     * close this proxy makes passes it (the codec's own, Netty's after a GOAWAY, a delayed
     * close's timer), none of the peer's does: it tells the context the close is local.
     */
    FlushCoalescer newFlushCoalescer(ConnectionContext cx) {
        return new FlushCoalescer.Counting(stats.downstreamCxRxBytesTotal, stats.downstreamCxTxBytesTotal) {
            @Override
            protected void onLocalClose() {
                cx.closeLocally();
            }

            @Override
            protected void flushed(io.netty.channel.ChannelHandlerContext ctx) {
                if (cx.codec instanceof Http2Connection h2 && h2.outbound != null) {
                    h2.outbound.flushed(ctx); // Envoy's outbound frames leave the count as the socket takes them
                }
            }
        };
    }

    /**
     * Once per connection (its context calls it when it first learns of the close). As Envoy's
     * onEvent and doConnectionClose count it: a socket this proxy did not close was closed by the
     * peer (its FIN, a reset, an I/O error).
     */
    void connectionClosed(ConnectionContext cx) {
        open.decrementAndGet();
        stats.downstreamCxActive.decrementAndGet();
        stats.downstreamCxDestroy.increment();
        if (cx.tls) {
            stats.downstreamCxSslActive.decrementAndGet();
        }
        if (cx.http2) {
            stats.downstreamCxHttp2Active.decrementAndGet();
        } else if (cx.codec instanceof Http1Connection) {
            stats.downstreamCxHttp1Active.decrementAndGet();
        }
        boolean local = cx.closedLocally;
        (local ? stats.downstreamCxDestroyLocal : stats.downstreamCxDestroyRemote).increment();
        if (cx.requestsAtClose) {
            stats.downstreamCxDestroyActiveRq.increment();
            (local ? stats.downstreamCxDestroyLocalActiveRq : stats.downstreamCxDestroyRemoteActiveRq).increment();
        }
    }

    /**
     * Envoy's drainClose, asked as a response starts: true when this filter's drain or the server's says
     * this connection closes (the response then carries connection: close, or a GOAWAY follows).
     */
    boolean draining() {
        io.remora.server.DrainDecision d = drain;
        return d != null && d.drainClose() || context.draining();
    }

    /**
     * An immediate drain also tells the connections at once (HTTP/2 sends its GOAWAY without waiting for a
     * response); a gradual one is only asked as responses start, as Envoy's connection manager asks.
     */
    @Override
    public void startDrain(io.remora.server.DrainDecision drain) {
        this.drain = io.remora.server.DrainDecision.keep(this.drain, drain);
        if (!drain.immediateStrategy()) {
            return;
        }
        overload.onEachWorker(w -> w.forEachConnection(t -> {
            if (t instanceof ConnectionContext cx && cx.hcm == this) {
                cx.drain();
            }
        }));
    }

    @Override
    public void startShutdownDrain() {
        drain = io.remora.server.DrainDecision.immediate();
        overload.onEachWorker(w -> w.forEachConnection(t -> {
            if (t instanceof ConnectionContext cx && cx.hcm == this) {
                cx.drainForShutdown();
            }
        }));
    }

    /** Connections currently open (for tests and admin). */
    int connectionCount() {
        return open.get();
    }
}
