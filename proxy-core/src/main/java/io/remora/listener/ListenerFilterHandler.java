package io.remora.listener;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.Future;
import io.remora.config.ListenerConfig;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the listener filters that read a connection's first bytes: proxy_protocol (which consumes
 * its header and takes the client and destination from it), then tls_inspector and
 * http_inspector (which consume nothing), each unless its filter_disabled matches the
 * destination. Once all have decided it installs the chosen filter
 * chain, replays channelActive (held back so the chain's handlers see it) and removes itself,
 * which hands the buffered bytes on. A connection still undecided after listener_filters_timeout
 * is closed, as Envoy does.
 */
final class ListenerFilterHandler extends ByteToMessageDecoder {
    private final ListenerRuntime rt;
    private final ConnectionCloseAccounting close;
    private InetSocketAddress originalDst;
    private InetSocketAddress proxiedSource;
    private final long connectionId;
    private boolean proxyDone;
    private boolean tlsDone;
    private boolean httpDone;
    private String sni;
    private String transportProtocol = "raw_buffer";
    private List<String> alpn = List.of();
    private String ja3Hash;
    private boolean activeHeld;
    private boolean finished;
    private Future<?> timeout;

    /**
     * @param proxyHeader whether proxy_protocol runs (configured and not disabled)
     * @param port        the destination port the inspectors' filter_disabled see, until a
     *                    PROXY header names another
     */
    ListenerFilterHandler(ListenerRuntime rt, ConnectionCloseAccounting close, InetSocketAddress originalDst,
                          long connectionId, boolean proxyHeader, int port) {
        this.rt = rt;
        this.close = close;
        this.originalDst = originalDst;
        this.connectionId = connectionId;
        this.proxyDone = !proxyHeader;
        chooseInspectors(port);
    }

    private void chooseInspectors(int port) {
        tlsDone = !rt.runs(ListenerConfig.ListenerFilter.TLS_INSPECTOR, port);
        httpDone = !rt.runs(ListenerConfig.ListenerFilter.HTTP_INSPECTOR, port);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        long ms = rt.listenerFiltersTimeout().toMillis();
        if (ms > 0) {
            timeout = ctx.executor().schedule(() -> {
                if (finished) {
                    return;
                }
                if (rt.config().continueOnListenerFiltersTimeout()) {
                    // What the filters found so far decides: a client that has not spoken (a
                    // server-first protocol) gets the plain chain.
                    finished = true;
                    handOver(ctx);
                } else {
                    ctx.close();
                }
            }, ms, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        activeHeld = true;
        ctx.read(); // in case autoRead is off: inspection needs bytes
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (finished) {
            return;
        }
        if (!proxyDone) {
            if (!readProxyHeader(ctx, in)) {
                return;
            }
            if (!in.isReadable() && !(tlsDone && httpDone)) {
                return; // the inspectors wait for the bytes after the header
            }
        }
        if (!tlsDone) {
            TlsInspector.Result r = TlsInspector.inspect(in, rt.config().ja3Fingerprinting());
            if (r.status() == TlsInspector.Status.NEED_MORE) {
                return;
            }
            TlsInspection.count(rt.stats().tlsInspector(), ctx.channel(), r, in.readableBytes());
            if (r.status() == TlsInspector.Status.WRONG_VERSION || r.status() == TlsInspector.Status.TOO_LARGE) {
                // Envoy 1.39: tls_inspector closes the socket; no filter chain sees the connection.
                close(ctx, in);
                return;
            }
            tlsDone = true;
            if (r.status() == TlsInspector.Status.TLS) {
                transportProtocol = "tls";
                sni = r.serverName();
                alpn = r.alpn();
                ja3Hash = r.ja3Hash();
                httpDone = true; // http_inspector does not look into TLS
            }
        }
        if (!httpDone) {
            String p = HttpInspector.inspect(in);
            if (p == HttpInspector.NEED_MORE) {
                return;
            }
            httpDone = true;
            if (p != null) {
                alpn = List.of(p);
            }
        }
        finished = true;
        if (timeout != null) {
            timeout.cancel(false);
        }
        if (!handOver(ctx)) {
            in.skipBytes(in.readableBytes());
        }
    }

    /** Chooses the chain and leaves the pipeline to it; false when no chain took the connection. */
    private boolean handOver(ChannelHandlerContext ctx) {
        if (!ConnectionAcceptor.dispatch(ctx.channel(), connectionId, rt, close, originalDst, proxiedSource, sni,
                transportProtocol, alpn, ja3Hash)) {
            return false;
        }
        if (activeHeld) {
            ctx.fireChannelActive();
        }
        ctx.pipeline().remove(this); // hands the buffered bytes to the chain's handlers
        return true;
    }

    /**
     * proxy_protocol: true once it has decided (the header consumed, or allowed to be absent);
     * false while it needs more bytes or after it closed the connection. Counted as Envoy's
     * filter counts its decisions: by the header's version once known, else as not found.
     */
    private boolean readProxyHeader(ChannelHandlerContext ctx, ByteBuf in) {
        io.remora.config.ProxyProtocolConfig config = rt.proxyProtocol();
        io.remora.stats.ProxyProtocolStats stats = rt.proxyProtocolStats();
        boolean v1 = !config.disallowedVersions().contains(1);
        boolean v2 = !config.disallowedVersions().contains(2);
        if (config.allowRequestsWithoutProxyProtocol() && !ProxyProtocolHeader.mayStartAllowed(in, v1, v2)) {
            // Not a header of an allowed version (a disallowed one's included): the bytes are the connection's.
            stats.notFoundAllowed.increment();
            proxyDone = true;
            return true;
        }
        ProxyProtocolHeader.Result r = ProxyProtocolHeader.parse(in, v1, v2);
        switch (r.status()) {
            case NEED_MORE -> {
                return false;
            }
            case ABSENT -> {
                stats.notFoundDisallowed.increment();
                return refuse(ctx, in, stats);
            }
            case DENIED -> {
                // Envoy's Denied: counted found and disallowed for its version, not as an error.
                stats.version(r.version()).found.increment();
                stats.version(r.version()).disallowed.increment();
                close(ctx, in);
                return false;
            }
            case INVALID -> {
                if (r.version() == 0) {
                    stats.notFoundDisallowed.increment();
                } else {
                    stats.version(r.version()).error.increment();
                }
                return refuse(ctx, in, stats);
            }
            case FOUND -> {
                stats.version(r.version()).found.increment();
                in.skipBytes(r.length());
                ProxyProtocolTlvMetadata.apply(ctx.channel(), config, r.tlvs());
                SocketAddress local = originalDst != null ? originalDst : ctx.channel().localAddress();
                if (r.source() != null) {
                    proxiedSource = r.source();
                    originalDst = r.destination();
                    chooseInspectors(ListenerRuntime.port(originalDst));
                }
                keepForUpstream(ctx, config, r, local);
            }
        }
        proxyDone = true;
        return true;
    }

    /**
     * As Envoy's filter: the addresses the header carried (without any, the socket's) and the TLVs
     * {@code pass_through_tlvs} keeps become the connection's {@code envoy.network.proxy_protocol_options},
     * which upstream_proxy_protocol sockets send on.
     */
    private void keepForUpstream(ChannelHandlerContext ctx, io.remora.config.ProxyProtocolConfig config,
                                 ProxyProtocolHeader.Result r, SocketAddress socketLocal) {
        List<io.remora.config.ProxyProtocolTlv> kept = List.of();
        if (!r.tlvs().isEmpty() && (config.passAllTlvs() || !config.passThroughTlvs().isEmpty())) {
            kept = new java.util.ArrayList<>(r.tlvs().size());
            for (io.remora.config.ProxyProtocolTlv t : r.tlvs()) {
                if (config.keepsTlv(t.type())) {
                    kept.add(t); // every one, a repeated type's too, in the header's order
                }
            }
        }
        io.remora.network.ProxyProtocolData data = r.source() != null
                ? new io.remora.network.ProxyProtocolData(r.source(), r.destination(), kept)
                : new io.remora.network.ProxyProtocolData(ctx.channel().remoteAddress(), socketLocal, kept);
        io.remora.network.FilterState.of(ctx.channel()).set(io.remora.network.ProxyProtocolData.FILTER_STATE_KEY, data,
                io.remora.network.FilterState.Mutability.MUTABLE);
    }

    private boolean refuse(ChannelHandlerContext ctx, ByteBuf in, io.remora.stats.ProxyProtocolStats stats) {
        stats.legacyError.increment();
        close(ctx, in);
        return false;
    }

    /** A listener filter ends the connection before any filter chain: what was read is dropped. */
    private void close(ChannelHandlerContext ctx, ByteBuf in) {
        finished = true;
        if (timeout != null) {
            timeout.cancel(false);
        }
        in.skipBytes(in.readableBytes());
        ctx.close();
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        // The peer went away during inspection: nothing to hand over.
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (timeout != null) {
            timeout.cancel(false);
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
