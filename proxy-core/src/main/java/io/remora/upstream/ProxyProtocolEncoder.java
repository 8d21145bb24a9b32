package io.remora.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.NetUtil;
import io.remora.config.ProxyProtocolTlv;
import io.remora.config.UpstreamProxyProtocolConfig;
import io.remora.network.ProxyProtocolData;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The bytes of an upstream PROXY protocol header (HAProxy's spec), as Envoy's
 * upstream_proxy_protocol socket writes them. Version 1: {@code PROXY TCP4|TCP6 src dst sport
 * dport\r\n}, or {@code PROXY UNKNOWN\r\n} when the addresses are not IP. Version 2: the signature,
 * PROXY command, INET or INET6 over STREAM, the length, addresses, ports and the TLVs; the LOCAL
 * command (no addresses) when the connection is made for no downstream (health checks) or the
 * addresses are not IP.
 */
final class ProxyProtocolEncoder {
    private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    private static final int V2_PROXY = 0x21;
    private static final int V2_LOCAL = 0x20;
    private static final int MAX_LENGTH = 0xFFFF;

    private ProxyProtocolEncoder() {
    }

    /** What was written, and whether TLVs were left out because the header would pass 65535 bytes. */
    record Header(ByteBuf bytes, boolean tlvsDropped) {
    }

    /**
     * @param data       the downstream's PROXY data, or null (no downstream)
     * @param ownLocal   the upstream connection's local address (version 1 without data: the source)
     * @param ownRemote  the upstream connection's remote address (version 1 without data: the destination)
     */
    static Header encode(ByteBufAllocator alloc, UpstreamProxyProtocolConfig config, ProxyProtocolData data,
                         SocketAddress ownLocal, SocketAddress ownRemote) {
        return encode(alloc, config, List.of(), data, ownLocal, ownRemote);
    }

    /** @param hostTlvs the host's own TLVs, ahead of the socket's {@code added_tlvs} (and over them) */
    static Header encode(ByteBufAllocator alloc, UpstreamProxyProtocolConfig config, List<ProxyProtocolTlv> hostTlvs,
                         ProxyProtocolData data, SocketAddress ownLocal, SocketAddress ownRemote) {
        SocketAddress src = data != null ? data.source() : ownLocal;
        SocketAddress dst = data != null ? data.destination() : ownRemote;
        if (config.version() == 1) {
            return new Header(v1(alloc, src, dst), false);
        }
        if (data == null || ip(src) == null || ip(dst) == null) {
            return new Header(v2Local(alloc), false);
        }
        return v2(alloc, config, hostTlvs, data);
    }

    private static InetSocketAddress ip(SocketAddress a) {
        return a instanceof InetSocketAddress i && i.getAddress() != null ? i : null;
    }

    private static ByteBuf v1(ByteBufAllocator alloc, SocketAddress src, SocketAddress dst) {
        InetSocketAddress s = ip(src);
        InetSocketAddress d = ip(dst);
        String line;
        if (s == null || d == null) {
            line = "PROXY UNKNOWN\r\n";
        } else {
            InetAddress[] both = sameFamily(s.getAddress(), d.getAddress());
            line = "PROXY " + (both[0] instanceof Inet4Address ? "TCP4 " : "TCP6 ")
                    + NetUtil.toAddressString(both[0], true) + ' ' + NetUtil.toAddressString(both[1], true) + ' '
                    + s.getPort() + ' ' + d.getPort() + "\r\n";
        }
        ByteBuf b = alloc.buffer(line.length());
        b.writeCharSequence(line, StandardCharsets.US_ASCII);
        return b;
    }

    /** Both as IPv6 (an IPv4 one mapped) when their families differ: a header has one family. */
    private static InetAddress[] sameFamily(InetAddress a, InetAddress b) {
        if (a.getClass() == b.getClass()) {
            return new InetAddress[] {a, b};
        }
        return new InetAddress[] {v6(a), v6(b)};
    }

    private static InetAddress v6(InetAddress a) {
        if (a instanceof Inet6Address) {
            return a;
        }
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xFF;
        mapped[11] = (byte) 0xFF;
        System.arraycopy(a.getAddress(), 0, mapped, 12, 4);
        try {
            // getByAddress would turn a mapped address back into IPv4
            return Inet6Address.getByAddress(null, mapped, -1);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e); // 16 bytes: always an address
        }
    }

    private static ByteBuf v2Local(ByteBufAllocator alloc) {
        ByteBuf b = alloc.buffer(16);
        b.writeBytes(V2_SIGNATURE).writeByte(V2_LOCAL).writeByte(0).writeShort(0);
        return b;
    }

    private static Header v2(ByteBufAllocator alloc, UpstreamProxyProtocolConfig config, List<ProxyProtocolTlv> hostTlvs,
                             ProxyProtocolData data) {
        InetSocketAddress s = ip(data.source());
        InetSocketAddress d = ip(data.destination());
        InetAddress[] both = sameFamily(s.getAddress(), d.getAddress());
        boolean v4 = both[0] instanceof Inet4Address;
        int addressLength = v4 ? 12 : 36;
        List<ProxyProtocolTlv> tlvs = tlvs(config, hostTlvs, data);
        int extensions = 0;
        boolean dropped = false;
        List<ProxyProtocolTlv> sent = tlvs;
        if (!tlvs.isEmpty()) {
            sent = new ArrayList<>(tlvs.size());
            for (ProxyProtocolTlv t : tlvs) {
                int size = extensions + 3 + t.value().length;
                if (addressLength + size > MAX_LENGTH) {
                    dropped = true; // as Envoy: left out, the rest still sent
                    continue;
                }
                extensions = size;
                sent.add(t);
            }
        }
        ByteBuf b = alloc.buffer(16 + addressLength + extensions);
        b.writeBytes(V2_SIGNATURE).writeByte(V2_PROXY).writeByte(v4 ? 0x11 : 0x21)
                .writeShort(addressLength + extensions)
                .writeBytes(both[0].getAddress()).writeBytes(both[1].getAddress())
                .writeShort(s.getPort()).writeShort(d.getPort());
        for (ProxyProtocolTlv t : sent) {
            b.writeByte(t.type()).writeShort(t.value().length).writeBytes(t.value());
        }
        return new Header(b, dropped);
    }

    /**
     * Envoy's order: the host's TLVs, the configured {@code added_tlvs}, then the downstream's that
     * {@code pass_through_tlvs} lets through, one per type (the first wins).
     */
    private static List<ProxyProtocolTlv> tlvs(UpstreamProxyProtocolConfig config, List<ProxyProtocolTlv> hostTlvs,
                                               ProxyProtocolData data) {
        if (hostTlvs.isEmpty() && config.addedTlvs().isEmpty() && (data.tlvs().isEmpty()
                || !config.passAllTlvs() && config.passThroughTlvs().isEmpty())) {
            return List.of();
        }
        List<ProxyProtocolTlv> out = new ArrayList<>(hostTlvs.size() + config.addedTlvs().size() + data.tlvs().size());
        Set<Integer> seen = new HashSet<>();
        for (List<ProxyProtocolTlv> own : List.of(hostTlvs, config.addedTlvs())) {
            for (ProxyProtocolTlv t : own) {
                if (seen.add(t.type())) {
                    out.add(t);
                }
            }
        }
        for (ProxyProtocolTlv t : data.tlvs()) {
            if (config.passes(t.type()) && seen.add(t.type())) {
                out.add(t);
            }
        }
        return out;
    }
}
