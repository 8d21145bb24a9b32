package io.remora.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.ssl.SslHandler;
import io.remora.config.ClusterConfig;
import io.remora.http.upstream.ConnectFailure;
import io.remora.network.ConnectionInfo;
import io.remora.network.NetworkFilterManager;
import io.remora.network.OriginalSource;
import io.remora.server.CompactRecvAllocator;
import io.remora.server.Transport;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The one way to open a connection to an upstream host, for tcp_proxy and the HTTP pools
 * alike: on the caller's event loop, with the cluster's connect timeout, TCP options,
 * per-connection buffer limit, bind config and transport socket (raw or TLS with SNI and ALPN,
 * either behind a PROXY protocol header, either through an HTTP/1.1 proxy's CONNECT tunnel, either
 * counted by tcp_stats).
 * The callback fires once, on the loop, after the tunnel and the TLS handshake when there are.
 */
public final class UpstreamConnector {
    /** Envoy's default connect_timeout. */
    static final int DEFAULT_CONNECT_TIMEOUT_MS = 5000;

    private final Transport transport;

    public UpstreamConnector(Transport transport) {
        this.transport = transport;
    }

    /** Outcome of one connect. */
    public interface Callback {
        /** Connected (and handshaken); the channel's pipeline holds the caller's handlers. */
        void onConnected(Channel channel);

        /**
         * The connect or the TLS handshake failed; the channel (null when none was created) is
         * already closed.
         *
         * @param tls true when TCP connected but TLS failed (Envoy counts both as connect failures)
         */
        void onFailure(Channel channel, Throwable cause, boolean tls);
    }

    /**
     * What a caller asks of the channel beyond the cluster's settings.
     *
     * @param alpnFallback ALPN to offer when the cluster's TLS context names none
     * @param relay        a byte relay (tcp_proxy): reads start off, half-close is kept, reads grow
     * @param recvAllocator read sizing, or null for Netty's default
     * @param alpnOverride  ALPN to offer instead of the TLS context's (filter state
     *                      {@code envoy.network.application_protocols}), or null
     * @param shared        the filter state objects shared with the upstream connection of the request or
     *                      connection this one is made for, which an internal listener receives; empty for none
     * @param tlsNames      the SNI and SANs of the request or connection this one is made for, or null
     * @param proxyProtocol the PROXY data of the downstream this connection is made for, which an
     *                      upstream_proxy_protocol socket sends; null: none (version 1 then sends
     *                      the connection's own addresses, version 2 the LOCAL command)
     */
    public record ConnectOptions(List<String> alpnFallback, boolean relay, RecvByteBufAllocator recvAllocator,
                          OriginalSource originalSource, List<String> alpnOverride,
                          List<io.remora.network.FilterState.Shared> shared, UpstreamTlsNames tlsNames,
                          io.remora.network.ProxyProtocolData proxyProtocol) {
        public static final ConnectOptions HTTP1 = new ConnectOptions(List.of("http/1.1"), false, CompactRecvAllocator.SHARED);
        public static final ConnectOptions HTTP2 = new ConnectOptions(List.of("h2"), false, CompactRecvAllocator.SHARED);

        public ConnectOptions {
            shared = shared == null ? List.of() : shared;
        }

        public ConnectOptions(List<String> alpnFallback, boolean relay, RecvByteBufAllocator recvAllocator) {
            this(alpnFallback, relay, recvAllocator, null, null, null, null, null);
        }

        /** These options binding as original_src says and offering {@code alpnOverride} (nulls: unchanged). */
        public ConnectOptions with(OriginalSource os, List<String> override) {
            return os == null && override == null ? this
                    : new ConnectOptions(alpnFallback, relay, recvAllocator, os != null ? os : originalSource,
                    override != null ? override : alpnOverride, shared, tlsNames, proxyProtocol);
        }

        /** These options handing {@code state}'s shared objects to an internal listener; unchanged for null. */
        public ConnectOptions withFilterState(io.remora.network.FilterState state) {
            return state == null ? this : withShared(state.sharedWithUpstream());
        }

        /** These options handing {@code objects} to an internal listener; unchanged for null or none. */
        public ConnectOptions withShared(List<io.remora.network.FilterState.Shared> objects) {
            return objects == null || objects.isEmpty() ? this
                    : new ConnectOptions(alpnFallback, relay, recvAllocator, originalSource, alpnOverride, objects,
                    tlsNames, proxyProtocol);
        }

        /** These options sending and verifying {@code names} (auto_sni, auto_san_validation); unchanged for null. */
        public ConnectOptions withTlsNames(UpstreamTlsNames names) {
            return names == null ? this
                    : new ConnectOptions(alpnFallback, relay, recvAllocator, originalSource, alpnOverride, shared,
                    names, proxyProtocol);
        }

        /** These options sending {@code data} in a PROXY protocol header; unchanged for null. */
        public ConnectOptions withProxyProtocol(io.remora.network.ProxyProtocolData data) {
            return data == null ? this
                    : new ConnectOptions(alpnFallback, relay, recvAllocator, originalSource, alpnOverride, shared,
                    tlsNames, data);
        }

        /**
         * These options for a connection made on behalf of a downstream connection: binding as its
         * listener's original_src says, handing its shared filter state to an internal listener.
         */
        public ConnectOptions forDownstream(Channel downstream) {
            return downstream == null ? this : withOriginalSource(downstream.attr(OriginalSource.ATTR).get())
                    .withFilterState(io.remora.network.FilterState.existing(downstream));
        }

        /** These options binding as original_src says; unchanged for null. */
        public ConnectOptions withOriginalSource(OriginalSource os) {
            return with(os, null);
        }
    }

    /**
     * Opens a channel to {@code host} on {@code loop}.
     *
     * @param pipeline installs the caller's handlers, after the transport socket's
     * @return the channel being connected, or null when none could be created (the callback
     *         has been scheduled with the cause)
     */
    public Channel connect(EventLoop loop, Cluster cluster, Host host, ConnectOptions options,
                           Consumer<Channel> pipeline, Callback callback) {
        java.net.InetSocketAddress viaProxy = viaProxy(cluster, host);
        return connectTo(loop, cluster, host, viaProxy != null ? viaProxy : host.address(), viaProxy != null, options,
                pipeline, callback);
    }

    /**
     * As {@link #connect}, but a host with several addresses is reached by Envoy's happy eyeballs
     * ({@link HappyEyeballsConnect}): its addresses are tried in the cluster's happy_eyeballs_config
     * order, the first that connects wins. The channel returned is then the first attempt's; the
     * caller must use the one {@link Callback#onConnected} gets, and its handlers are installed on
     * that one only.
     */
    public Channel connectAny(EventLoop loop, Cluster cluster, Host host, ConnectOptions options,
                              Consumer<Channel> pipeline, Callback callback) {
        List<SocketAddress> addresses = host.addresses();
        if (addresses.isEmpty() || viaProxy(cluster, host) != null) {
            // As Envoy: an HTTP/1.1 proxy is one TCP connection, to the proxy, whatever the host's addresses.
            return connect(loop, cluster, host, options, pipeline, callback);
        }
        return new HappyEyeballsConnect(this, loop, cluster, host,
                HappyEyeballsOrder.sort(addresses, cluster.config().options().happyEyeballs()), options, pipeline,
                callback).start();
    }

    /** http_11_proxy: the proxy the host's metadata names, which the TCP connection goes to; null for none. */
    private static java.net.InetSocketAddress viaProxy(Cluster cluster, Host host) {
        return cluster.config().http11Proxy() && host.address() instanceof java.net.InetSocketAddress
                ? host.http11ProxyAddress() : null;
    }

    /** One connection to {@code remote}: the host's address, one of its addresses, or its HTTP/1.1 proxy. */
    Channel connectTo(EventLoop loop, Cluster cluster, Host host, SocketAddress remote, boolean viaProxy,
                      ConnectOptions options, Consumer<Channel> pipeline, Callback callback) {
        ClusterConfig config = cluster.config();
        boolean unix = remote instanceof DomainSocketAddress;
        Class<? extends Channel> type = unix ? transport.domainSocketChannel() : transport.socketChannel();
        if (type == null) {
            loop.execute(() -> callback.onFailure(null,
                    new java.net.ConnectException("Unix domain sockets need the epoll transport"), false));
            return null;
        }
        Bootstrap b = new Bootstrap().group(loop).channel(type)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis(config.connectTimeout()));
        if (!unix) {
            b.option(ChannelOption.TCP_NODELAY, true);
            if (config.tcpKeepalive() != null) {
                UpstreamSocketSetup.keepalive(b, config.tcpKeepalive(), transport.kind());
            }
        }
        int limit = config.perConnectionBufferLimitBytes();
        if (limit > 0) {
            b.option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(Math.max(1, limit / 2), limit));
        }
        if (options.relay()) {
            b.option(ChannelOption.AUTO_READ, false).option(ChannelOption.ALLOW_HALF_CLOSURE, true);
        }
        if (options.recvAllocator() != null) {
            b.option(ChannelOption.RCVBUF_ALLOCATOR, options.recvAllocator());
        }
        SocketAddress local = unix ? UpstreamSocketSetup.passthrough(config, host, options.shared())
                : UpstreamSocketSetup.bind(b, config, remote, options.originalSource());
        io.remora.config.UpstreamProxyProtocolConfig proxyProtocol =
                cluster.transportSocketFactory().proxyProtocol(host);
        SslHandler tls;
        try {
            // Made before the socket opens: TLS material that is not there costs no connection.
            tls = cluster.transportSocketFactory().newHandler(ByteBufAllocator.DEFAULT, host, options.alpnFallback(),
                    options.alpnOverride(), options.tlsNames());
        } catch (javax.net.ssl.SSLException | RuntimeException e) {
            if (unix) {
                io.remora.internal.InternalListeners.forget(local);
            }
            loop.execute(() -> callback.onFailure(null, e, true));
            return null;
        }
        // Envoy's connect_timeout runs until the connection is up, its TLS handshake included
        // (SslSocket raises Connected once handshaken); Netty's own 10 s handshake bound is not Envoy's.
        long deadline = System.nanoTime()
                + TimeUnit.MILLISECONDS.toNanos(connectTimeoutMillis(config.connectTimeout()));
        if (tls != null) {
            tls.setHandshakeTimeoutMillis(0);
        }
        io.remora.network.SocketTap tap = cluster.socketTap();
        Http11ConnectHandler connect = !viaProxy ? null : new Http11ConnectHandler(
                (java.net.InetSocketAddress) host.address(), host.hostname(), connectTimeoutMillis(config.connectTimeout()));
        // Only once a format reads them: a proxy without such a format makes nothing for them.
        UpstreamConnectTimes times = io.remora.accesslog.StreamTimings.wanted()
                ? new UpstreamConnectTimes(System.nanoTime()) : null;
        b.handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                if (times != null) {
                    times.attach(ch);
                }
                if (tls != null) {
                    ch.pipeline().addLast("tls", tls);
                    cluster.transportSocketFactory().connected(tls, host, ch);
                }
                if (tap != null) {
                    // Between TLS and the codec: it sees what is sent and received, in plaintext.
                    io.netty.channel.ChannelHandler h = tap.newHandler(ch, io.remora.network.ConnectionIds.next());
                    if (h != null) {
                        ch.pipeline().addLast("tap", h);
                    }
                }
                ProxyProtocolWriter.install(ch, proxyProtocol, host, options.proxyProtocol(),
                        cluster.transportSocketFactory());
                pipeline.accept(ch);
                if (connect != null) {
                    ch.pipeline().addFirst(Http11ConnectHandler.NAME, connect); // CONNECT before the PROXY header
                }
                if (config.tcpStats() != null) {
                    io.remora.network.TcpStatsHandler.install(ch, cluster.stats().tcpStats(), config.tcpStats());
                }
            }
        });
        ChannelFuture f = local == null ? b.connect(remote) : b.connect(remote, local);
        Channel ch = f.channel();
        if (unix && local != null) {
            SocketAddress handedOver = local;
            ch.closeFuture().addListener(c -> io.remora.internal.InternalListeners.forget(handedOver));
        }
        f.addListener(cf -> {
            if (!cf.isSuccess()) {
                ch.close();
                if (tls != null && ch.pipeline().context(tls) == null) {
                    // never reached a pipeline (registration failed): its engine is ours to free
                    io.netty.util.ReferenceCountUtil.release(tls.engine());
                }
                Throwable cause = cf.cause();
                if (local != null && !unix
                        && ConnectFailure.reason(cause) == io.remora.http.upstream.ResetReason.LOCAL_CONNECTION_FAILURE) {
                    // As Envoy's ClientConnectionImpl: counted in the cluster's bind_errors, and
                    // the failure reason names the source address.
                    cluster.stats().bindErrors.increment();
                    cause = ConnectFailure.bindFailure(cause, local);
                }
                callback.onFailure(ch, cause, false);
                return;
            }
            if (times != null) {
                times.connected(System.nanoTime());
            }
            if (connect != null) {
                connect.tunnel(ch).addListener(t -> {
                    if (t.isSuccess()) {
                        secure(ch, cluster, tls, deadline, callback, times);
                    } else {
                        ch.close();
                        callback.onFailure(ch, t.cause(), false);
                    }
                });
                return;
            }
            secure(ch, cluster, tls, deadline, callback, times);
        });
        return ch;
    }

    /** TCP is up (through the proxy, with http_11_proxy): TLS, when there is some, then the callback. */
    private static void secure(Channel ch, Cluster cluster, SslHandler tls, long deadline, Callback callback,
                               UpstreamConnectTimes times) {
        if (tls == null) {
            connected(ch, cluster, null, callback);
            return;
        }
        boolean[] timedOut = new boolean[1];
        io.netty.util.concurrent.Future<?> timer = ch.eventLoop().schedule(() -> {
            if (!tls.handshakeFuture().isDone()) {
                timedOut[0] = true;
                ch.close();
                callback.onFailure(ch, new io.netty.channel.ConnectTimeoutException(
                        "connection timed out in the TLS handshake: " + ch.remoteAddress()), false);
            }
        }, Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        tls.handshakeFuture().addListener(hs -> {
            timer.cancel(false);
            if (timedOut[0]) {
                return;
            }
            if (hs.isSuccess()) {
                if (times != null) {
                    times.handshaken(System.nanoTime());
                }
                ch.attr(io.remora.tls.TlsConnection.UPSTREAM).set(io.remora.tls.TlsConnection.of(tls));
                connected(ch, cluster, tls, callback);
            } else {
                ch.close();
                callback.onFailure(ch, hs.cause(), true);
            }
        });
    }

    /**
     * The connection is up: the cluster's upstream network filters (if any) see it first, and the
     * caller gets it once they all let it through. A filter that closes it instead fails the connect.
     */
    private static void connected(Channel ch, Cluster cluster, SslHandler tls, Callback callback) {
        UpstreamFilterChain filters = cluster.upstreamFilters();
        if (filters.isEmpty()) {
            callback.onConnected(ch);
            return;
        }
        String alpn = tls == null ? null : tls.applicationProtocol();
        ConnectionInfo info = new ConnectionInfo(cluster.name(), ch.localAddress(), ch.remoteAddress(), null,
                tls == null ? null : ch.attr(io.remora.tls.TlsConnection.UPSTREAM).get().serverName(),
                tls == null ? "raw_buffer" : "tls", alpn == null ? List.of() : List.of(alpn),
                ch.attr(io.remora.tls.TlsConnection.UPSTREAM).get());
        boolean[] handedOver = new boolean[1];
        ch.closeFuture().addListener(f -> {
            if (!handedOver[0]) {
                handedOver[0] = true;
                callback.onFailure(ch, new java.net.ConnectException("closed by an upstream network filter"), false);
            }
        });
        NetworkFilterManager.startUpstream(ch, info, filters.context(), filters.factories(), () -> {
            if (!handedOver[0]) {
                handedOver[0] = true;
                callback.onConnected(ch);
            }
        });
    }

    static int connectTimeoutMillis(Duration d) {
        if (d == null || d.isZero() || d.isNegative()) {
            return DEFAULT_CONNECT_TIMEOUT_MS;
        }
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, d.toMillis()));
    }
}
