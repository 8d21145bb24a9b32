package io.remora.network;

import io.netty.channel.Channel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.unix.RawUnixChannelOption;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The Linux {@code struct tcp_info} of a socket (getsockopt IPPROTO_TCP/TCP_INFO), read whole
 * because Netty's {@code EpollTcpInfo} stops before the segment and byte counters. Offsets are
 * those of {@code linux/tcp.h}; a kernel that fills fewer bytes leaves the newer fields 0, as
 * Envoy's zeroed struct does.
 */
public final class TcpInfo {
    private static final int IPPROTO_TCP = 6;
    private static final int TCP_INFO = 11;
    /** Up to {@code tcpi_delivered} (offset 192) and {@code tcpi_bytes_sent} (200), the last fields read. */
    private static final int LENGTH = 232;
    private static final RawUnixChannelOption OPTION = new RawUnixChannelOption("TCP_INFO", IPPROTO_TCP, TCP_INFO,
            LENGTH);

    private final ByteBuffer b;

    private TcpInfo(ByteBuffer b) {
        this.b = b.order(ByteOrder.nativeOrder());
    }

    /** The socket's TCP_INFO, or null when it cannot be read (not an epoll TCP channel, socket closed). */
    public static TcpInfo read(Channel ch) {
        if (!(ch instanceof EpollSocketChannel) || !ch.isOpen()) {
            return null;
        }
        try {
            ByteBuffer buf = ch.config().getOption(OPTION);
            return buf == null ? null : new TcpInfo(buf);
        } catch (RuntimeException e) {
            return null; // Envoy also skips a sample whose getsockopt fails
        }
    }

    private int u8(int off) {
        return b.get(off) & 0xFF;
    }

    private long u32(int off) {
        return b.getInt(off) & 0xFFFFFFFFL;
    }

    private long u64(int off) {
        return b.getLong(off);
    }

    public int sndWscale() {
        return u8(6) & 0x0F;
    }

    public int rcvWscale() {
        return u8(6) >>> 4;
    }

    public long rto() {
        return u32(8);
    }

    public long ato() {
        return u32(12);
    }

    public long sndMss() {
        return u32(16);
    }

    public long rcvMss() {
        return u32(20);
    }

    public long unacked() {
        return u32(24);
    }

    public long lost() {
        return u32(32);
    }

    public long rtt() {
        return u32(68);
    }

    public long rttvar() {
        return u32(72);
    }

    public long sndCwnd() {
        return u32(80);
    }

    public long advmss() {
        return u32(84);
    }

    public long reordering() {
        return u32(88);
    }

    public long rcvRtt() {
        return u32(92);
    }

    public long totalRetrans() {
        return u32(100);
    }

    public long pacingRate() {
        return u64(104);
    }

    public long bytesReceived() {
        return u64(128);
    }

    public long segsOut() {
        return u32(136);
    }

    public long segsIn() {
        return u32(140);
    }

    public long notsentBytes() {
        return u32(144);
    }

    public long dataSegsIn() {
        return u32(152);
    }

    public long dataSegsOut() {
        return u32(156);
    }

    public long deliveryRate() {
        return u64(160);
    }

    public long delivered() {
        return u32(192);
    }

    public long bytesSent() {
        return u64(200);
    }
}
