package io.remora.upstream.health;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.ssl.SslHandler;
import io.remora.upstream.Host;

/**
 * Opens health check connections on the upstream loop, through the cluster's transport socket
 * (TLS when the host's, or the check's {@code transport_socket_match_criteria}, selects it,
 * after a PROXY protocol header when it is wrapped in upstream_proxy_protocol) and with its
 * keep-alive and {@code upstream_bind_config}, as Envoy's health check connections are.
 */
final class Connector {
    private Connector() {
    }

    /**
     * @return a future done when the connection is usable: connected, and the TLS handshake (if
     *         any) done, so a connect-only check passes only when the handshake does
     */
    static ChannelFuture connect(HealthChecker checker, Host host, ChannelHandler handler) {
        boolean unix = host.address() instanceof DomainSocketAddress;
        SslHandler tls;
        try {
            tls = checker.transportSockets().newHealthCheckHandler(ByteBufAllocator.DEFAULT, host,
                    checker.config.transportSocketMatchCriteria(), checker.config.alpnProtocols());
        } catch (javax.net.ssl.SSLException | RuntimeException e) {
            // TLS material missing (an SDS secret not there yet): a channel that opens no socket
            // carries the failure, so the probe counts a network failure as for a refused connect.
            return new io.netty.channel.embedded.EmbeddedChannel().newFailedFuture(e);
        }
        var sockets = checker.transportSockets();
        var proxyProtocol = sockets.healthCheckProxyProtocol(host, checker.config.transportSocketMatchCriteria());
        var transport = checker.runtime.transport();
        Bootstrap b = new Bootstrap().group(checker.loop)
                .channel(unix ? transport.domainSocketChannel() : transport.socketChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
                        (int) Math.max(1, Math.min(Integer.MAX_VALUE, checker.config.timeout().toMillis())))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (tls != null) {
                            ch.pipeline().addLast("tls", tls);
                        }
                        // As Envoy's: no downstream, so version 1 names this connection's own
                        // addresses and version 2 sends the LOCAL command.
                        io.remora.upstream.ProxyProtocolWriter.install(ch, proxyProtocol, host, null, sockets);
                        ch.pipeline().addLast(handler);
                    }
                });
        java.net.SocketAddress local = null;
        if (!unix) {
            b.option(ChannelOption.TCP_NODELAY, true);
            io.remora.config.ClusterConfig cluster = checker.clusterConfig();
            if (cluster != null) {
                local = io.remora.upstream.UpstreamSocketSetup.healthCheck(b, cluster, host.healthCheckAddress(),
                        transport.kind());
            }
        }
        ChannelFuture connect = local == null ? b.connect(host.healthCheckAddress())
                : b.connect(host.healthCheckAddress(), local);
        if (tls == null) {
            return connect;
        }
        ChannelPromise ready = connect.channel().newPromise();
        connect.addListener(cf -> {
            if (!cf.isSuccess()) {
                if (connect.channel().pipeline().context(tls) == null) {
                    io.netty.util.ReferenceCountUtil.release(tls.engine());
                }
                ready.tryFailure(cf.cause());
                return;
            }
            tls.handshakeFuture().addListener(hs -> {
                if (hs.isSuccess()) {
                    ready.trySuccess();
                } else {
                    connect.channel().close();
                    ready.tryFailure(hs.cause());
                }
            });
        });
        return ready;
    }
}
