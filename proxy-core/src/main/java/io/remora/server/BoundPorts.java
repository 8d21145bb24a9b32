package io.remora.server;

import io.netty.channel.epoll.LinuxSocket;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.unix.DomainSocketAddress;
import io.remora.config.Address;
import io.remora.config.ListenerConfig;
import io.remora.internal.InternalListeners;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * A listener's ports bound but not listened on, as Envoy's listen sockets are between listener
 * creation and the workers' start: a port taken by another process fails at once, a connect is
 * refused meanwhile. Netty binds and listens in one call, so the real sockets come later, in
 * {@link ActiveListener#listen}; with SO_REUSEPORT under epoll they join the reserved port while
 * it is held, otherwise it is let go just before (a window of one bind call).
 *
 * <p>Pipes and internal listeners reserve nothing: their addresses are taken when they listen.
 */
final class BoundPorts implements Closeable {
    /** setsockopt levels and names (Linux's numbers, as epoll is Linux only). */
    private static final int SOL_IP = 0;
    private static final int IP_FREEBIND = 15;
    private static final int IP_TRANSPARENT = 19;
    private static final int IPPROTO_IPV6 = 41;
    private static final int IPV6_V6ONLY = 26;

    private final List<Closeable> sockets;
    private final List<SocketAddress> addresses;
    private final int[] ports;
    private final boolean sharedWithListeners;

    private BoundPorts(List<Closeable> sockets, List<SocketAddress> addresses, int[] ports, boolean shared) {
        this.sockets = sockets;
        this.addresses = addresses;
        this.ports = ports;
        this.sharedWithListeners = shared;
    }

    /** Binds every address of {@code lc}; throws, naming the listener and address, when one cannot be. */
    static BoundPorts reserve(ListenerConfig lc, Transport transport) {
        if (lc.address() instanceof Address.Internal) {
            return new BoundPorts(new ArrayList<>(), List.of(InternalListeners.socketAddress(lc.name())), new int[0], false);
        }
        if (lc.address() instanceof Address.Pipe pipe) {
            return new BoundPorts(new ArrayList<>(), List.of(new DomainSocketAddress(pipe.path())), new int[0], false);
        }
        boolean epoll = transport.kind() == Transport.Kind.EPOLL;
        List<Address> all = new ArrayList<>();
        all.add(lc.address());
        all.addAll(lc.additionalAddresses());
        List<Closeable> sockets = new ArrayList<>();
        List<SocketAddress> addresses = new ArrayList<>();
        int[] ports = new int[all.size()];
        Address current = lc.address();
        try {
            for (int i = 0; i < all.size(); i++) {
                current = all.get(i);
                Address.Tcp tcp = (Address.Tcp) current;
                InetSocketAddress addr = new InetSocketAddress(tcp.host(), tcp.port());
                if (addr.isUnresolved()) {
                    throw new IllegalStateException("cannot resolve " + tcp.host());
                }
                InetSocketAddress local = epoll ? bindNative(lc, tcp, addr, sockets) : bindJdk(lc, tcp, addr, sockets);
                ports[i] = local.getPort();
                addresses.add(local);
            }
        } catch (IOException | RuntimeException e) {
            closeAll(sockets);
            throw new Failure(lc, current, e);
        }
        // A UDP socket in a SO_REUSEPORT group takes its share of datagrams: it goes before the listeners bind.
        return new BoundPorts(sockets, List.copyOf(addresses), ports, epoll && lc.socket().reusePort() && lc.udp() == null);
    }

    /** A listener's address that cannot be bound. */
    static final class Failure extends IllegalStateException {
        private final String address;
        private final String reason;

        Failure(ListenerConfig lc, Address a, Exception e) {
            super("listener '" + lc.name() + "': cannot bind " + a + (lc.udp() != null ? " (UDP)" : "") + ": "
                    + (e.getMessage() != null ? e.getMessage() : e), e);
            this.address = a instanceof Address.Tcp tcp ? ListenerUpdate.addressText(new InetSocketAddress(tcp.host(),
                    tcp.port())) : String.valueOf(a);
            // Netty's native errors lead with the call and errno; Envoy's words are strerror's alone
            String m = e.getMessage() != null ? e.getMessage() : e.toString();
            this.reason = m.replaceFirst("^bind\\(\\.\\.\\) failed( with error\\(-?\\d+\\))?: ", "");
        }

        /** As Envoy's ListenSocketImpl words it: {@code cannot bind '127.0.0.1:80': Address already in use}. */
        String envoyText() {
            return "cannot bind '" + address + "': " + reason;
        }
    }

    private static InetSocketAddress bindNative(ListenerConfig lc, Address.Tcp tcp, InetSocketAddress addr,
                                                List<Closeable> sockets) throws IOException {
        boolean v6 = addr.getAddress() instanceof java.net.Inet6Address;
        SocketProtocolFamily family = v6 ? SocketProtocolFamily.INET6 : SocketProtocolFamily.INET;
        LinuxSocket s = lc.udp() != null ? LinuxSocket.newSocketDgram(family) : LinuxSocket.newSocketStream(family);
        sockets.add(s::close);
        s.setReuseAddress(lc.udp() == null);
        s.setReusePort(lc.socket().reusePort());
        if (v6) {
            s.setIntOpt(IPPROTO_IPV6, IPV6_V6ONLY, tcp.ipv4Compat() ? 0 : 1);
        }
        if (lc.transparent()) {
            s.setIntOpt(SOL_IP, IP_TRANSPARENT, 1);
        }
        if (lc.freebind()) {
            s.setIntOpt(SOL_IP, IP_FREEBIND, 1);
        }
        s.bind(addr);
        return s.localAddress();
    }

    private static InetSocketAddress bindJdk(ListenerConfig lc, Address.Tcp tcp, InetSocketAddress addr,
                                             List<Closeable> sockets) throws IOException {
        boolean v6 = addr.getAddress() instanceof java.net.Inet6Address;
        StandardProtocolFamily family = v6 ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
        if (lc.udp() != null) {
            DatagramChannel d = DatagramChannel.open(family);
            sockets.add(d);
            d.bind(addr);
            return (InetSocketAddress) d.getLocalAddress();
        }
        ListenerBinder.requireEpollOptionsAbsent(lc, tcp);
        SocketChannel s = SocketChannel.open(family);
        sockets.add(s);
        s.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        s.bind(addr);
        return (InetSocketAddress) s.getLocalAddress();
    }

    /** The bound ports, one per TCP address (the main one first); empty for a pipe or internal listener. */
    int[] ports() {
        return ports.clone();
    }

    /** Where the listener will listen, a port 0 resolved. */
    List<SocketAddress> addresses() {
        return addresses;
    }

    /** Whether the listening sockets may bind while these are held (TCP with SO_REUSEPORT under epoll). */
    boolean sharedWithListeners() {
        return sharedWithListeners;
    }

    @Override
    public void close() {
        closeAll(sockets);
        sockets.clear();
    }

    private static void closeAll(List<Closeable> sockets) {
        for (Closeable c : sockets) {
            try {
                c.close();
            } catch (IOException ignored) {
                // a socket that was never listened on: nothing is lost
            }
        }
    }
}
