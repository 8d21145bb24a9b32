package io.remora.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.unix.IntegerUnixChannelOption;
import io.remora.config.BindConfig;
import io.remora.config.ClusterConfig;
import io.remora.network.OriginalSource;
import io.remora.server.Transport;

import java.net.SocketAddress;
import java.util.List;

/**
 * The socket side of {@link UpstreamConnector}'s connect: the cluster's TCP keep-alive, the local
 * address and its socket options (original_src's transparent source, upstream_bind_config), and
 * what a connection to an internal listener hands over instead of binding. Health check
 * connections take the cluster's part of it too ({@link #healthCheck}).
 */
public final class UpstreamSocketSetup {
    private UpstreamSocketSetup() {
    }

    /** SO_MARK (SOL_SOCKET 1, optname 36), through Netty's raw option support. */
    private static final IntegerUnixChannelOption SO_MARK = new IntegerUnixChannelOption("SO_MARK", 1, 36);

    /** SO_KEEPALIVE with the idle time, interval and probe count that are set (Linux TCP_KEEP*). */
    static void keepalive(Bootstrap b, ClusterConfig.TcpKeepalive k, Transport.Kind kind) {
        b.option(ChannelOption.SO_KEEPALIVE, true);
        if (kind == Transport.Kind.EPOLL) {
            if (k.time() != null) {
                b.option(io.netty.channel.epoll.EpollChannelOption.TCP_KEEPIDLE, (int) k.time().toSeconds());
            }
            if (k.interval() != null) {
                b.option(io.netty.channel.epoll.EpollChannelOption.TCP_KEEPINTVL, (int) k.interval().toSeconds());
            }
            if (k.probes() != null) {
                b.option(io.netty.channel.epoll.EpollChannelOption.TCP_KEEPCNT, k.probes());
            }
        } else {
            if (k.time() != null) {
                b.option(io.netty.channel.socket.nio.NioChannelOption.of(jdk.net.ExtendedSocketOptions.TCP_KEEPIDLE),
                        (int) k.time().toSeconds());
            }
            if (k.interval() != null) {
                b.option(io.netty.channel.socket.nio.NioChannelOption.of(jdk.net.ExtendedSocketOptions.TCP_KEEPINTERVAL),
                        (int) k.interval().toSeconds());
            }
            if (k.probes() != null) {
                b.option(io.netty.channel.socket.nio.NioChannelOption.of(jdk.net.ExtendedSocketOptions.TCP_KEEPCOUNT),
                        k.probes());
            }
        }
    }

    /**
     * Towards an internal listener: the host and cluster metadata its internal_upstream socket
     * passes through and the filter state objects shared with the upstream connection, handed
     * over under the local address returned (null when there is nothing to hand over).
     */
    static SocketAddress passthrough(ClusterConfig config, Host host,
                                             List<io.remora.network.FilterState.Shared> shared) {
        if (!(host.configuredAddress() instanceof io.remora.config.Address.Internal)) {
            return null;
        }
        java.util.Map<String, java.util.Map<String, Object>> md = new java.util.HashMap<>();
        for (io.remora.config.PassthroughMetadata p : config.passthroughMetadataFor(host.socketMatchMetadata())) {
            java.util.Map<String, Object> v = p.kind() == io.remora.config.PassthroughMetadata.Kind.HOST
                    ? HostMetadata.of(host, p.namespace()) : config.metadata().get(p.namespace());
            if (v != null && !v.isEmpty()) {
                md.put(p.namespace(), v);
            }
        }
        return md.isEmpty() && shared.isEmpty() ? null
                : io.remora.internal.InternalListeners.handOver(new io.remora.internal.InternalListeners.HandedOver(md,
                shared));
    }

    /**
     * The local address to bind, with the socket options it needs; null lets the kernel
     * choose. original_src (the downstream's address on a transparent socket, with its mark)
     * takes precedence over the cluster's {@code upstream_bind_config}, as in Envoy, where the
     * filter's socket options set the local address before the bind config is consulted.
     */
    static SocketAddress bind(Bootstrap b, ClusterConfig config, SocketAddress remote, OriginalSource os) {
        if (os != null && remote instanceof java.net.InetSocketAddress r && r.getAddress() != null
                && r.getAddress().getClass() == os.source().getAddress().getClass()) {
            b.option(EpollChannelOption.IP_TRANSPARENT, true);
            if (os.mark() != 0) {
                b.option(SO_MARK, os.mark());
            }
            return os.source();
        }
        BindConfig bind = config.upstreamBind();
        if (bind == null) {
            return null;
        }
        if (bind.freebind()) {
            b.option(EpollChannelOption.IP_FREEBIND, true);
        }
        io.remora.server.RawSocketOptions.apply(b, bind.socketOptions(), true);
        return UpstreamBind.select(bind, remote);
    }

    /**
     * A health check connection's socket, as Envoy's createHealthCheckConnection makes it with the
     * cluster's connection options: its TCP keep-alive and {@code upstream_bind_config} (a check
     * has no downstream, so no original_src). Returns the local address to bind, or null.
     */
    public static SocketAddress healthCheck(Bootstrap b, ClusterConfig config, SocketAddress remote, Transport.Kind kind) {
        if (config.tcpKeepalive() != null) {
            keepalive(b, config.tcpKeepalive(), kind);
        }
        return bind(b, config, remote, null);
    }
}
