package io.remora.listener;

import io.remora.config.CidrRange;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** A CIDR range as bytes, so a connection's address is tested without parsing or allocation. */
record CompiledCidr(byte[] prefix, int len) {

    static CompiledCidr of(CidrRange r) {
        try {
            byte[] p = InetAddress.getByName(r.addressPrefix()).getAddress();
            return new CompiledCidr(p, Math.min(r.prefixLen(), p.length * 8));
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("bad CIDR prefix " + r.addressPrefix(), e);
        }
    }

    boolean contains(byte[] ip) {
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
