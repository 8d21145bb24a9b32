package io.remora.matching;

import io.remora.config.CidrRange;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * A CIDR range as bytes, so a connection's address is tested without parsing or allocation, as
 * Envoy's {@code Network::Address::CidrRange} checks it: an address of the other IP version, or a
 * non-IP address, is never in range. Filter-chain matching, the unified matcher and RBAC share it.
 */
public record CompiledCidr(byte[] prefix, int len) {

    /** The ranges compiled; empty when there are none. */
    public static List<CompiledCidr> of(List<CidrRange> ranges) {
        if (ranges == null || ranges.isEmpty()) {
            return List.of();
        }
        List<CompiledCidr> out = new ArrayList<>(ranges.size());
        for (CidrRange r : ranges) {
            out.add(of(r));
        }
        return out;
    }

    public static CompiledCidr of(CidrRange r) {
        try {
            byte[] p = InetAddress.getByName(r.addressPrefix()).getAddress();
            return new CompiledCidr(p, Math.min(r.prefixLen(), p.length * 8));
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("bad CIDR prefix " + r.addressPrefix(), e);
        }
    }

    /**
     * A range from an IP literal and a prefix length, checked strictly (RBAC's {@code CidrRange}).
     *
     * @throws IllegalArgumentException if the address is not an IP literal or the length is out of range
     */
    public static CompiledCidr parse(String address, int prefixLen) {
        byte[] p = literal(address).getAddress();
        if (prefixLen < 0 || prefixLen > p.length * 8) {
            throw new IllegalArgumentException("prefix length " + prefixLen + " is out of range for " + address);
        }
        return new CompiledCidr(p, prefixLen);
    }

    /** An IPv4 or IPv6 literal, never a name to resolve. */
    public static InetAddress literal(String address) {
        byte[] raw = io.netty.util.NetUtil.createByteArrayFromIpAddressString(address);
        if (raw == null) {
            throw new IllegalArgumentException("'" + address + "' is not an IP address");
        }
        try {
            return InetAddress.getByAddress(raw);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    public boolean contains(SocketAddress address) {
        return address instanceof InetSocketAddress isa && isa.getAddress() != null && contains(isa.getAddress());
    }

    public boolean contains(InetAddress address) {
        return contains(address.getAddress());
    }

    public boolean contains(byte[] ip) {
        if (ip.length != prefix.length) {
            return false;
        }
        int full = len / 8;
        for (int i = 0; i < full; i++) {
            if (ip[i] != prefix[i]) {
                return false;
            }
        }
        int rem = len % 8;
        if (rem == 0) {
            return true;
        }
        int mask = (0xff << (8 - rem)) & 0xff;
        return (ip[full] & mask) == (prefix[full] & mask);
    }

    /** Equal ranges are equal configs (an unchanged listener keeps its connections across updates). */
    @Override
    public boolean equals(Object o) {
        return o instanceof CompiledCidr c && len == c.len && java.util.Arrays.equals(prefix, c.prefix);
    }

    @Override
    public int hashCode() {
        return 31 * java.util.Arrays.hashCode(prefix) + len;
    }

    @Override
    public String toString() {
        try {
            return InetAddress.getByAddress(prefix).getHostAddress() + "/" + len;
        } catch (UnknownHostException e) {
            return "?/" + len;
        }
    }
}
