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
import io.remora.server.Transport;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * The one way to open a connection to an upstream host, for tcp_proxy and the HTTP pools
 * alike: on the caller's event loop, with the cluster's connect timeout, TCP options,
 * per-connection buffer limit, bind config and transport socket (raw or TLS with SNI and ALPN).
 * The callback fires once, on the loop, after the TLS handshake when there is one.
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
     */
    public record Options(List<String> alpnFallback, boolean relay, RecvByteBufAllocator recvAllocator) {
        public static final Options HTTP1 = new Options(List.of("http/1.1"), false, null);
        public static final Options HTTP2 = new Options(List.of("h2"), false, null);
    }

    /**
     * Opens a channel to {@code host} on {@code loop}.
     *
     * @param pipeline installs the caller's handlers, after the transport socket's
     * @return the channel being connected, or null when none could be created (the callback
     *         has been scheduled with the cause)
     */
    public Channel connect(EventLoop loop, Cluster cluster, Host host, Options options,
                           Consumer<Channel> pipeline, Callback callback) {
        ClusterConfig config = cluster.config();
        SocketAddress remote = host.address();
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
        SocketAddress local = bind(b, cluster, host);
        SslHandler tls;
        try {
            // Made before the socket opens: TLS material that is not there costs no connection.
            tls = cluster.transportSocketFactory().newHandler(ByteBufAllocator.DEFAULT, host, options.alpnFallback());
        } catch (javax.net.ssl.SSLException | RuntimeException e) {
            loop.execute(() -> callback.onFailure(null, e, true));
            return null;
        }
        b.handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                if (tls != null) {
                    ch.pipeline().addLast("tls", tls);
                }
                pipeline.accept(ch);
            }
        });
        ChannelFuture f = local == null ? b.connect(remote) : b.connect(remote, local);
        Channel ch = f.channel();
        f.addListener(cf -> {
            if (!cf.isSuccess()) {
                ch.close();
                if (tls != null && ch.pipeline().context(tls) == null) {
                    // never reached a pipeline (registration failed): its engine is ours to free
                    io.netty.util.ReferenceCountUtil.release(tls.engine());
                }
                callback.onFailure(ch, cf.cause(), false);
                return;
            }
            if (tls == null) {
                callback.onConnected(ch);
                return;
            }
            tls.handshakeFuture().addListener(hs -> {
                if (hs.isSuccess()) {
                    ch.attr(io.remora.tls.TlsConnection.UPSTREAM).set(io.remora.tls.TlsConnection.of(tls));
                    callback.onConnected(ch);
                } else {
                    ch.close();
                    callback.onFailure(ch, hs.cause(), true);
                }
            });
        });
        return ch;
    }

    /**
     * The cluster's bind config ({@code upstream_bind_config}: source address, freebind, socket
     * options) goes here: set options on {@code b} and return the local address to bind, or null
     * to let the kernel choose. Nothing is configured yet.
     */
    private static SocketAddress bind(Bootstrap b, Cluster cluster, Host host) {
        return null;
    }

    static int connectTimeoutMillis(Duration d) {
        if (d == null || d.isZero() || d.isNegative()) {
            return DEFAULT_CONNECT_TIMEOUT_MS;
        }
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, d.toMillis()));
    }
}
