package io.remora.rbac;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * One CIDR range as Envoy's {@code Network::Address::CidrRange} checks it: an address of the
 * other IP version, or a non-IP address, is never in range.
 */
public final class IpRange {

    private final byte[] prefix;
    private final int bits;

    /**
     * @param address an IPv4 or IPv6 literal
     * @param prefixLen leading bits that must match (0 matches every address of that version)
     * @throws IllegalArgumentException if the address is not an IP literal or the length is out of range
     */
    public IpRange(String address, int prefixLen) {
        InetAddress a = literal(address);
        this.prefix = a.getAddress();
        if (prefixLen < 0 || prefixLen > prefix.length * 8) {
            throw new IllegalArgumentException("prefix length " + prefixLen + " is out of range for " + address);
        }
        this.bits = prefixLen;
    }

    static InetAddress literal(String address) {
        byte[] raw = io.netty.util.NetUtil.createByteArrayFromIpAddressString(address);
        if (raw == null) {
            throw new IllegalArgumentException("'" + address + "' is not an IP address");
        }
        try {
            return InetAddress.getByAddress(raw);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    public boolean contains(SocketAddress address) {
        return address instanceof InetSocketAddress isa && isa.getAddress() != null && contains(isa.getAddress());
    }

    public boolean contains(InetAddress address) {
        byte[] b = address.getAddress();
        if (b.length != prefix.length) {
            return false;
        }
        int full = bits / 8;
        for (int i = 0; i < full; i++) {
            if (b[i] != prefix[i]) {
                return false;
            }
        }
        int rest = bits % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (b[full] & mask) == (prefix[full] & mask);
    }
}
