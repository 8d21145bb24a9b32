package io.remora.xds.ads;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC channels to the control plane. An envoy_grpc service's streams go to its cluster's own hosts when the
 * cluster manager is given ({@link io.remora.xds.grpc.ClusterChannel}: the cluster's DNS answers, load balancer,
 * health checks and TLS); otherwise, and for a google_grpc target, one channel to the target's address (plaintext, or TLS by google_grpc ssl_credentials or the envoy_grpc
 * cluster's transport socket, with the SNI Envoy would send; the :authority Envoy's would send, an envoy_grpc
 * service's cluster name or authority; the service's initial_metadata on every stream), with its own one-thread event loop: epoll when the native
 * transport loads (required for a Unix domain socket), NIO otherwise.
 */
public final class XdsChannels implements AutoCloseable {
    private final EventLoopGroup group;
    private final boolean epoll;
    /** Where envoy_grpc services' clusters are, or null: their first static endpoint is connected to. */
    private final io.remora.upstream.ClusterManager clusters;

    public XdsChannels() {
        this(null);
    }

    public XdsChannels(io.remora.upstream.ClusterManager clusters) {
        this.clusters = clusters;
        epoll = Epoll.isAvailable();
        group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("remora-xds-io", true),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    }

    /** Where the target's streams get their channel. */
    public io.remora.xds.grpc.StreamChannel open(XdsTarget target) {
        if (target.cluster() != null && clusters != null) {
            return new io.remora.xds.grpc.ClusterChannel(clusters, target.cluster(), target.authority(), null,
                    (b, address) -> settings(b, address, target));
        }
        return io.remora.xds.grpc.StreamChannel.fixed(direct(target));
    }

    /** A channel to the target's own address (google_grpc, or envoy_grpc without the cluster manager). */
    private ManagedChannel direct(XdsTarget target) {
        java.net.SocketAddress address = target.isUds() ? new DomainSocketAddress(target.udsPath())
                : new InetSocketAddress(target.host(), target.port());
        NettyChannelBuilder b = NettyChannelBuilder.forAddress(address);
        if (target.authority() != null) {
            b.overrideAuthority(target.authority());
        }
        if (target.clusterTls() != null) {
            clusterTls(b, target.clusterTls(), target.clusterNames());
        } else if (target.tls() == null) {
            b.usePlaintext();
        } else {
            // grpc-core's names: its TLS target name and :authority from the channel args, else from the target
            if (target.tls().authority() != null) {
                b.overrideAuthority(target.tls().authority());
            }
            io.remora.xds.grpc.GrpcChannelTls.use(b, sslContext(target.tls()), target.tls().targetNameOverride(),
                    target.tls().sni(target.host()));
        }
        settings(b, address, target);
        return b.build();
    }

    /** What every xDS channel has: this event loop, the transport for the address, the limits and metadata. */
    private void settings(NettyChannelBuilder b, java.net.SocketAddress address, XdsTarget target) {
        if (address instanceof DomainSocketAddress) {
            if (!epoll) {
                throw new IllegalStateException("xDS over a Unix domain socket needs the native epoll transport: "
                        + Epoll.unavailabilityCause());
            }
            // gRPC's transport sets SO_KEEPALIVE on every channel, which a Unix socket (Istio's XDS and SDS
            // pipes) refuses with a warning at each connect: a null option is taken off the bootstrap
            b.channelType(EpollDomainSocketChannel.class).withOption(ChannelOption.SO_KEEPALIVE, null);
        } else {
            b.channelType(epoll ? EpollSocketChannel.class : NioSocketChannel.class);
        }
        if (!target.initialMetadata().isEmpty()) {
            b.intercept(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(metadata(target)));
        }
        b.eventLoopGroup(group)
                // xDS responses (a mesh's full LDS/CDS) are far bigger than gRPC's 4 MiB default; Envoy sets no
                // limit unless max_receive_message_length does (a larger response fails the stream RESOURCE_EXHAUSTED)
                .maxInboundMessageSize(target.maxReceiveMessageLength() > 0 ? target.maxReceiveMessageLength()
                        : Integer.MAX_VALUE)
                .keepAliveTime(5, TimeUnit.MINUTES);
    }

    /**
     * An envoy_grpc service's static cluster's TLS, verified as Envoy verifies an upstream (its trusted CA and
     * SAN matchers, no hostname check); gRPC needs HTTP/2 by ALPN, so h2 is offered unless the context names
     * its own protocols. {@code names}: the SNI Envoy's stream would send instead of the socket's and the SAN
     * its auto_san_validation insists on (null: neither).
     */
    private static void clusterTls(NettyChannelBuilder b, io.remora.config.TransportSocketConfig ts,
                                   io.remora.upstream.UpstreamTlsNames names) {
        io.remora.tls.TlsContextProvider provider = new io.remora.tls.TlsContextProvider(ts, null, false,
                io.remora.tls.TlsProvider.current(), io.remora.tls.TlsStats.none());
        try {
            io.remora.tls.GrpcClientTls tls = io.remora.tls.GrpcClientTls.of(provider,
                    ts.alpnProtocols().isEmpty() ? java.util.List.of("h2") : ts.alpnProtocols(), names);
            io.remora.xds.grpc.GrpcChannelTls.use(b, tls.context(), tls.engineHost(), tls.sni());
        } catch (javax.net.ssl.SSLException e) {
            throw new IllegalStateException("xDS server's cluster TLS: " + e.getMessage(), e);
        }
    }

    /** The service's initial_metadata; a -bin key's value is base64 on the wire, as it was given. */
    private static io.grpc.Metadata metadata(XdsTarget target) {
        io.grpc.Metadata md = new io.grpc.Metadata();
        for (var e : target.initialMetadata()) {
            if (e.getKey().endsWith(io.grpc.Metadata.BINARY_HEADER_SUFFIX)) {
                md.put(io.grpc.Metadata.Key.of(e.getKey(), io.grpc.Metadata.BINARY_BYTE_MARSHALLER),
                        java.util.Base64.getDecoder().decode(e.getValue()));
            } else {
                md.put(io.grpc.Metadata.Key.of(e.getKey(), io.grpc.Metadata.ASCII_STRING_MARSHALLER), e.getValue());
            }
        }
        return md;
    }

    /** google_grpc ssl_credentials as grpc-java's client TLS: the given roots (else the system's), the client pair. */
    private static io.netty.handler.ssl.SslContext sslContext(XdsTls tls) {
        try {
            var b = io.grpc.netty.GrpcSslContexts.forClient();
            if (tls.rootCerts() != null) {
                b.trustManager(stream(tls.rootCerts()));
            }
            if (tls.certChain() != null) {
                b.keyManager(stream(tls.certChain()), stream(tls.privateKey()));
            }
            return b.build();
        } catch (javax.net.ssl.SSLException | IllegalArgumentException e) {
            throw new IllegalStateException("xDS ssl_credentials: " + e.getMessage(), e);
        }
    }

    private static java.io.InputStream stream(String pem) {
        return new java.io.ByteArrayInputStream(pem.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
