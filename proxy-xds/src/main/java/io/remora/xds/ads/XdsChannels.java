package io.remora.xds.ads;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
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
 * The plaintext gRPC channel to the control plane, with its own one-thread event loop: epoll when the native
 * transport loads (required for a Unix domain socket), NIO otherwise.
 */
final class XdsChannels implements AutoCloseable {
    private final EventLoopGroup group;
    private final boolean epoll;

    XdsChannels() {
        epoll = Epoll.isAvailable();
        group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("remora-xds-io", true),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    }

    ManagedChannel open(XdsTarget target) {
        NettyChannelBuilder b;
        if (target.isUds()) {
            if (!epoll) {
                throw new IllegalStateException("xDS over a Unix domain socket needs the native epoll transport: "
                        + Epoll.unavailabilityCause());
            }
            b = NettyChannelBuilder.forAddress(new DomainSocketAddress(target.udsPath()))
                    .channelType(EpollDomainSocketChannel.class);
        } else {
            b = NettyChannelBuilder.forAddress(new InetSocketAddress(target.host(), target.port()))
                    .channelType(epoll ? EpollSocketChannel.class : NioSocketChannel.class);
        }
        return b.eventLoopGroup(group)
                .usePlaintext()
                // xDS responses (a mesh's full LDS/CDS) are far bigger than gRPC's 4 MiB default; Envoy sets no
                // limit unless max_receive_message_length does (a larger response fails the stream RESOURCE_EXHAUSTED)
                .maxInboundMessageSize(target.maxReceiveMessageLength() > 0 ? target.maxReceiveMessageLength()
                        : Integer.MAX_VALUE)
                .keepAliveTime(5, TimeUnit.MINUTES)
                .build();
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
