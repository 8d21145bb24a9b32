package io.remora.matching;

import io.remora.config.CidrRange;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/** A CIDR range as bytes, so a connection's address is tested without parsing or allocation. */
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
}
