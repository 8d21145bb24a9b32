package io.remora.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannelRecvByteBufAllocator;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.unix.IntegerUnixChannelOption;
import java.nio.channels.spi.SelectorProvider;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.NetUtil;
import io.remora.config.Address;
import io.remora.config.ListenerConfig;
import io.remora.config.ListenerSocketConfig;
import io.remora.internal.InternalListeners;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Binds a listener's sockets, those of its additional addresses too. Under epoll every worker
 * gets its own server socket on the same port with SO_REUSEPORT, so the kernel spreads accepts
 * and each connection lives on the loop that accepted it (Envoy's model). Under NIO, or with
 * enable_reuse_port false, one acceptor hands connections to the workers in turn;
 * exact_balance hands each to the worker with the fewest.
 */
final class ListenerBinder {
    /** setsockopt(IPPROTO_IPV6 = 41, IPV6_V6ONLY = 26): Linux's numbers, as epoll is Linux only. */
    private static final IntegerUnixChannelOption IPV6_V6ONLY = new IntegerUnixChannelOption("IPV6_V6ONLY", 41, 26);
    /**
     * setsockopt(IPPROTO_TCP = 6, TCP_FASTOPEN = 23), as Envoy sets it: Netty's own option is
     * dropped unless net.ipv4.tcp_fastopen enables servers, and never turns fast open off.
     */
    private static final IntegerUnixChannelOption TCP_FASTOPEN = new IntegerUnixChannelOption("TCP_FASTOPEN", 6, 23);
    private final Transport transport;
    private final EventLoopGroup workers;

    ListenerBinder(Transport transport, EventLoopGroup workers) {
        this.transport = transport;
        this.workers = workers;
    }

    List<Channel> bind(ListenerConfig lc, ChannelHandler acceptor) {
        return bind(lc, acceptor, null);
    }

    /**
     * @param ports the port of each TCP address (the main one, then the additional ones) that a
     *              {@link BoundPorts} reservation resolved; null: the configured ones
     */
    List<Channel> bind(ListenerConfig lc, ChannelHandler acceptor, int[] ports) {
        List<Channel> bound = new ArrayList<>();
        Address current = lc.address(); // the one a failure names
        try {
            if (lc.address() instanceof Address.Internal) {
                if (transport.serverDomainSocketChannel() == null) {
                    throw new IllegalStateException("internal listeners need the epoll transport");
                }
                bound.add(sync(base(lc, acceptor).group(workers.next(), workers)
                        .channel(transport.serverDomainSocketChannel())
                        .bind(InternalListeners.socketAddress(lc.name()))));
                return bound;
            }
            if (lc.address() instanceof Address.Pipe pipe) {
                if (transport.serverDomainSocketChannel() == null) {
                    throw new IllegalStateException("Unix domain socket listeners need the epoll transport");
                }
                String path = pipe.path().startsWith("@") ? "\0" + pipe.path().substring(1) : pipe.path();
                bound.add(sync(base(lc, acceptor).group(workers.next(), childGroup(lc))
                        .channel(transport.serverDomainSocketChannel()).bind(new DomainSocketAddress(path))));
                UnixSocketMode.apply(pipe);
                return bound;
            }
            bindTcp(lc, (Address.Tcp) lc.address(), port(ports, 0, lc.address()), acceptor, bound);
            int i = 1;
            for (Address extra : lc.additionalAddresses()) {
                current = extra;
                bindTcp(lc, (Address.Tcp) extra, port(ports, i++, extra), acceptor, bound);
            }
            return bound;
        } catch (RuntimeException e) {
            for (Channel ch : bound) {
                ch.close().syncUninterruptibly();
            }
            throw new IllegalStateException("listener '" + lc.name() + "': cannot bind " + current + ": "
                    + (e.getMessage() != null ? e.getMessage() : e.toString()), e);
        }
    }

    private static int port(int[] ports, int i, Address a) {
        return ports != null && i < ports.length ? ports[i] : ((Address.Tcp) a).port();
    }

    /** Binds {@code lc}'s ports without listening (the server still initializes). */
    BoundPorts reserve(ListenerConfig lc) {
        return BoundPorts.reserve(lc, transport);
    }

    /** Where one address's accepted connections go: the least loaded worker with exact_balance. */
    private EventLoopGroup childGroup(ListenerConfig lc) {
        return lc.socket().exactBalance() ? new ExactBalanceGroup(workers) : workers;
    }

    /**
     * A UDP listener's sockets: under epoll one per worker on the same port with SO_REUSEPORT (the
     * kernel keeps a peer on one socket, so its session stays on one loop), under NIO one socket.
     * Each socket gets its own handler from {@code handlers}.
     */
    List<Channel> bindUdp(ListenerConfig lc, java.util.function.Supplier<ChannelHandler> handlers, int[] ports) {
        List<Channel> bound = new ArrayList<>();
        Address.Tcp ip = (Address.Tcp) lc.address();
        try {
            InetSocketAddress addr = new InetSocketAddress(ip.host(), port(ports, 0, ip));
            if (addr.isUnresolved()) {
                throw new IllegalStateException("cannot resolve " + ip.host());
            }
            if (transport.kind() != Transport.Kind.EPOLL && (lc.transparent() || lc.freebind()
                    || !lc.socketOptions().isEmpty())) {
                throw new IllegalStateException("transparent, freebind and socket_options listeners need the epoll"
                        + " transport");
            }
            List<EventLoop> loops = new ArrayList<>();
            // enable_reuse_port false: one socket, its datagrams on one loop, as under NIO.
            if (transport.kind() == Transport.Kind.EPOLL && lc.socket().reusePort()) {
                workers.forEach(e -> loops.add((EventLoop) e));
            } else {
                loops.add(workers.next());
            }
            InetSocketAddress target = addr;
            for (EventLoop loop : loops) {
                io.netty.bootstrap.Bootstrap b = new io.netty.bootstrap.Bootstrap().group(loop)
                        .channelFactory(() -> transport.newDatagramChannel(target))
                        // One byte over the limit tells a datagram that was too large from one that fit.
                        .option(ChannelOption.RCVBUF_ALLOCATOR, new io.netty.channel.FixedRecvByteBufAllocator(
                                lc.udp().maxRxDatagramSize() + 1))
                        .handler(handlers.get());
                if (transport.kind() == Transport.Kind.EPOLL) {
                    b.option(EpollChannelOption.SO_REUSEPORT, lc.socket().reusePort());
                    if (addr.getAddress() instanceof java.net.Inet6Address) {
                        b.option(IPV6_V6ONLY, ip.ipv4Compat() ? 0 : 1);
                    }
                    if (lc.transparent()) {
                        b.option(EpollChannelOption.IP_TRANSPARENT, true);
                    }
                    if (lc.freebind()) {
                        b.option(EpollChannelOption.IP_FREEBIND, true);
                    }
                    RawSocketOptions.apply(b, lc.socketOptions(), false);
                }
                Channel ch = sync(b.bind(addr));
                bound.add(ch);
                if (transport.kind() == Transport.Kind.EPOLL) {
                    RawSocketOptions.applyBound(ch, lc.socketOptions(), false);
                }
                // Port 0: the first bind picked the port; the others join it.
                addr = (InetSocketAddress) ch.localAddress();
            }
            return bound;
        } catch (RuntimeException e) {
            for (Channel ch : bound) {
                ch.close().syncUninterruptibly();
            }
            throw new IllegalStateException("listener '" + lc.name() + "': cannot bind " + lc.address() + " (UDP): "
                    + (e.getMessage() != null ? e.getMessage() : e.toString()), e);
        }
    }

    /**
     * The sockets of one of the listener's addresses, added to {@code bound} as they are bound.
     * Under epoll with enable_reuse_port (the default) one per worker, each keeping what it accepts
     * unless exact_balance moves it; otherwise one socket whose connections all workers share.
     */
    private void bindTcp(ListenerConfig lc, Address.Tcp tcp, int port, ChannelHandler acceptor, List<Channel> bound) {
        InetSocketAddress addr = new InetSocketAddress(tcp.host(), port);
        if (addr.isUnresolved()) {
            throw new IllegalStateException("cannot resolve " + tcp.host());
        }
        // Envoy's sockets have the address's own family: 0.0.0.0 is IPv4 only (a dual-stack
        // socket would take [::1] too), and an IPv6 socket is IPv6 only unless ipv4_compat.
        boolean v6 = addr.getAddress() instanceof java.net.Inet6Address;
        SocketProtocolFamily family = v6 ? SocketProtocolFamily.INET6 : SocketProtocolFamily.INET;
        ListenerSocketConfig socket = lc.socket();
        EventLoopGroup balanced = socket.exactBalance() ? new ExactBalanceGroup(workers) : null;
        if (transport.kind() == Transport.Kind.EPOLL) {
            List<EventLoop> acceptors = new ArrayList<>();
            if (socket.reusePort()) {
                workers.forEach(e -> acceptors.add((EventLoop) e));
            } else {
                acceptors.add(workers.next());
            }
            for (EventLoop loop : acceptors) {
                ServerBootstrap b = base(lc, acceptor)
                        .group(loop, balanced != null ? balanced : socket.reusePort() ? loop : workers)
                        .channelFactory(() -> new EpollServerSocketChannel(family))
                        .option(EpollChannelOption.SO_REUSEPORT, socket.reusePort());
                if (v6) {
                    b.option(IPV6_V6ONLY, tcp.ipv4Compat() ? 0 : 1);
                }
                if (lc.transparent()) {
                    b.option(EpollChannelOption.IP_TRANSPARENT, true);
                }
                if (lc.freebind()) {
                    // Bind to an address the host does not (yet) have.
                    b.option(EpollChannelOption.IP_FREEBIND, true);
                }
                if (socket.tcpFastOpenQueueLength() != ListenerSocketConfig.UNSET) {
                    b.option(TCP_FASTOPEN, socket.tcpFastOpenQueueLength());
                }
                List<io.remora.config.SocketOption> options = lc.addressSocketOptions().getOrDefault(tcp,
                        lc.socketOptions());
                RawSocketOptions.apply(b, options, true);
                Channel ch = sync(b.bind(addr));
                bound.add(ch);
                RawSocketOptions.applyBound(ch, options, true);
                // Port 0: the first bind picked the port; the others join it.
                addr = (InetSocketAddress) ch.localAddress();
            }
        } else {
            requireEpollOptionsAbsent(lc, tcp);
            // NIO offers no IPV6_V6ONLY: an IPv6 wildcard stays dual-stack there. NIO has no
            // SO_REUSEPORT either: one socket, as enable_reuse_port false asks.
            bound.add(sync(base(lc, acceptor).group(workers, balanced != null ? balanced : workers)
                    .channelFactory(() -> new NioServerSocketChannel(SelectorProvider.provider(), family))
                    .bind(addr)));
        }
    }

    /** What only the epoll transport can set on a TCP listener's socket; throws when NIO is asked for it. */
    static void requireEpollOptionsAbsent(ListenerConfig lc, Address.Tcp tcp) {
        if (lc.transparent() || lc.freebind() || !lc.addressSocketOptions().getOrDefault(tcp, lc.socketOptions()).isEmpty()
                || lc.socket().tcpFastOpenQueueLength() != ListenerSocketConfig.UNSET) {
            throw new IllegalStateException("transparent, freebind, tcp_fast_open_queue_length and socket_options"
                    + " listeners need the epoll transport");
        }
    }

    private static ServerBootstrap base(ListenerConfig lc, ChannelHandler acceptor) {
        ListenerSocketConfig socket = lc.socket();
        int backlog = socket.tcpBacklogSize() == ListenerSocketConfig.KERNEL_DEFAULT ? NetUtil.SOMAXCONN
                : socket.tcpBacklogSize();
        // Envoy accepts every pending connection per socket event unless told otherwise; Netty's
        // default stops at 16.
        int perEvent = socket.maxAcceptPerEvent() > 0 ? socket.maxAcceptPerEvent() : Integer.MAX_VALUE;
        return new ServerBootstrap()
                .option(ChannelOption.SO_BACKLOG, backlog)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new ServerChannelRecvByteBufAllocator().maxMessagesPerRead(perEvent))
                // Accepted sockets keep what they inherit from the listening one (Linux: keepalive
                // and buffer options among others), as Envoy's do: keepalive off unless
                // socket_options turn it on.
                .childOption(ChannelOption.TCP_NODELAY, true)
                // One allocator for every accepted channel: it holds only its settings (the per-read
                // state is each channel's handle), and Netty otherwise keeps one per channel (32 B).
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, CompactRecvAllocator.SHARED)
                .childHandler(acceptor);
    }

    private static Channel sync(ChannelFuture f) {
        f.awaitUninterruptibly();
        if (!f.isSuccess()) {
            Throwable c = f.cause();
            throw new IllegalStateException(c.getMessage() != null ? c.getMessage() : c.toString(), c);
        }
        return f.channel();
    }
}
