package io.remora.listener;

import io.netty.channel.Channel;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.unix.RawUnixChannelOption;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/**
 * Envoy's {@code original_dst} listener filter: the destination a connection had before
 * iptables sent it here. With TPROXY (a transparent socket) the accepted socket's local address
 * already is that destination; with REDIRECT the kernel reports it through
 * {@code getsockopt(SO_ORIGINAL_DST)}, read here through Netty's raw socket options (epoll only).
 */
public final class OriginalDst {
    private static final int SOL_IP = 0;
    private static final int SOL_IPV6 = 41;
    private static final int SO_ORIGINAL_DST = 80;
    private static final RawUnixChannelOption V4 = new RawUnixChannelOption("SO_ORIGINAL_DST", SOL_IP, SO_ORIGINAL_DST, 16);
    private static final RawUnixChannelOption V6 = new RawUnixChannelOption("IP6T_SO_ORIGINAL_DST", SOL_IPV6, SO_ORIGINAL_DST, 28);

    private OriginalDst() {
    }

    /** The original destination, or null when it cannot be recovered (no NAT entry, NIO). */
    public static InetSocketAddress of(Channel ch, boolean transparent) {
        if (!(ch.localAddress() instanceof InetSocketAddress local)) {
            return null;
        }
        if (transparent || isTransparent(ch)) {
            return local;
        }
        try {
            boolean v6 = local.getAddress() instanceof java.net.Inet6Address
                    && !isV4Mapped(local.getAddress().getAddress());
            ByteBuffer b = ch.config().getOption(v6 ? V6 : V4);
            return b == null ? null : parse(b);
        } catch (RuntimeException e) {
            return null; // ENOENT: not redirected; or a transport without raw options
        }
    }

    private static boolean isTransparent(Channel ch) {
        try {
            return Boolean.TRUE.equals(ch.config().getOption(EpollChannelOption.IP_TRANSPARENT));
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static boolean isV4Mapped(byte[] a) {
        if (a.length != 16) {
            return false;
        }
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
    }

    /** Parses a struct sockaddr_in / sockaddr_in6 (family in host order, port in network order). */
    static InetSocketAddress parse(ByteBuffer b) {
        b = b.duplicate();
        int start = b.position();
        int port = ((b.get(start + 2) & 0xff) << 8) | (b.get(start + 3) & 0xff);
        int len = b.remaining();
        byte[] addr;
        if (len >= 24 && (b.get(start) == 10 || b.get(start + 1) == 10)) { // AF_INET6
            addr = new byte[16];
            b.position(start + 8);
        } else {
            addr = new byte[4];
            b.position(start + 4);
        }
        b.get(addr);
        try {
            return new InetSocketAddress(InetAddress.getByAddress(addr), port);
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
