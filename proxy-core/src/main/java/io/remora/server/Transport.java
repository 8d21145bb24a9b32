package io.remora.server;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * The socket transport: native epoll when it loads (Linux), NIO otherwise. One choice for the
 * whole process, so every channel class matches the event loops it is registered with.
 */
public final class Transport {

    public enum Kind { EPOLL, NIO }

    private final Kind kind;

    private Transport(Kind kind) {
        this.kind = kind;
    }

    /** Epoll unless it is unavailable or {@code -Dremora.transport=nio} asks for NIO. */
    public static Transport detect() {
        return new Transport(!nioRequested() && Epoll.isAvailable() ? Kind.EPOLL : Kind.NIO);
    }

    private static boolean nioRequested() {
        return "nio".equalsIgnoreCase(System.getProperty("remora.transport"));
    }

    /**
     * Why {@link #detect()} falls back to NIO although NIO was not asked for, or null when it does
     * not: Netty's reason for epoll being unavailable with its root cause (for a library that could
     * not be copied out of the jar, the file system's error).
     */
    public static String epollFallbackReason() {
        if (nioRequested() || Epoll.isAvailable()) {
            return null;
        }
        Throwable cause = Epoll.unavailabilityCause();
        if (cause == null) {
            return "no reason given";
        }
        Throwable deepest = cause;
        while (deepest.getCause() != null && deepest.getCause() != deepest) {
            deepest = deepest.getCause();
        }
        return deepest == cause ? String.valueOf(cause.getMessage()) : cause.getMessage() + ": " + deepest;
    }

    public static Transport of(Kind kind) {
        return new Transport(kind);
    }

    public Kind kind() {
        return kind;
    }

    public EventLoopGroup newEventLoopGroup(int threads, String name) {
        return newEventLoopGroup(threads, name, null);
    }

    /** @param dispatcherStats each loop's Envoy dispatcher stats by its index, or null for none (no cost) */
    public EventLoopGroup newEventLoopGroup(int threads, String name,
                                           java.util.function.IntFunction<io.remora.stats.DispatcherStats> dispatcherStats) {
        // Epoll loops keep half-closed channels in the epoll set (see EpollInterestGuard).
        IoHandlerFactory factory = kind == Kind.EPOLL ? EpollInterestGuard.newFactory() : NioIoHandler.newFactory();
        DefaultThreadFactory threadFactory = new DefaultThreadFactory(name, true);
        return dispatcherStats == null ? new ClosingIoEventLoopGroup(threads, threadFactory, factory)
                : new ClosingIoEventLoopGroup(threads, threadFactory, factory, dispatcherStats);
    }

    public Class<? extends ServerChannel> serverChannel() {
        return kind == Kind.EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    public Class<? extends Channel> socketChannel() {
        return kind == Kind.EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    /** A UDP socket of the address's family (UDP listeners and udp_proxy's upstream sockets). */
    public Channel newDatagramChannel(java.net.InetSocketAddress forAddress) {
        io.netty.channel.socket.SocketProtocolFamily family =
                forAddress.getAddress() instanceof java.net.Inet6Address
                        ? io.netty.channel.socket.SocketProtocolFamily.INET6
                        : io.netty.channel.socket.SocketProtocolFamily.INET;
        return kind == Kind.EPOLL ? new io.netty.channel.epoll.EpollDatagramChannel(family)
                : new io.netty.channel.socket.nio.NioDatagramChannel(family);
    }

    /** Unix domain sockets need epoll here; null under NIO. */
    public Class<? extends ServerChannel> serverDomainSocketChannel() {
        return kind == Kind.EPOLL ? EpollServerDomainSocketChannel.class : null;
    }

    public Class<? extends Channel> domainSocketChannel() {
        return kind == Kind.EPOLL ? EpollDomainSocketChannel.class : null;
    }
}
