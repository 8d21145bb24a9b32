package io.remora.accesslog;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.function.Function;

import static io.remora.accesslog.FormatOps.str;

/**
 * Envoy's {@code *_ADDRESS_WITHOUT_PORT(MASK_PREFIX_LEN)} operators (Envoy 1.38): the address
 * masked to its first N bits, in CIDR notation ({@code 10.1.0.0/16}, {@code 2001:db8::/64}).
 * Without the parameter the operators print the bare address, as before.
 */
final class MaskedAddresses {
    private MaskedAddresses() {
    }

    /**
     * The masked operator for {@code name} (one of the five WITHOUT_PORT operators), or null when
     * {@code arg} is empty: the plain operator then answers. A prefix that is not a number from 0 to
     * 128 is refused; at run time an IPv4 address with a prefix over 32 prints "-".
     */
    static FormatOps.Op of(String name, String arg, int maxLen) {
        if (arg.isEmpty()) {
            return null;
        }
        Function<StreamInfo, SocketAddress> address = switch (name) {
            case "DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT" -> i -> i.downstreamRemoteAddress;
            case "DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT" -> AddressOperators::direct;
            case "DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT" -> i -> i.downstreamLocalAddress;
            case "DOWNSTREAM_DIRECT_LOCAL_ADDRESS_WITHOUT_PORT" -> StreamInfo::downstreamDirectLocalAddress;
            case "UPSTREAM_LOCAL_ADDRESS_WITHOUT_PORT" -> i -> i.upstreamLocalAddress;
            case "UPSTREAM_REMOTE_ADDRESS_WITHOUT_PORT" -> AddressOperators::upstreamRemote;
            default -> null;
        };
        if (address == null) {
            return null;
        }
        int prefix = prefix(name, arg);
        return str(i -> cidr(address.apply(i), prefix), maxLen);
    }

    private static int prefix(String name, String arg) {
        int n = -1;
        if (arg.length() <= 3 && arg.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
            n = Integer.parseInt(arg);
        }
        if (n < 0 || n > 128) {
            throw new IllegalArgumentException("access log format: " + name + ": invalid mask prefix length '" + arg
                    + "', must be a number from 0 to 128 (0 to 32 for IPv4)");
        }
        return n;
    }

    /** {@code a} masked to {@code prefix} bits as "address/prefix"; null when it is no IP address. */
    static String cidr(SocketAddress a, int prefix) {
        if (!(a instanceof InetSocketAddress in) || in.getAddress() == null) {
            return null;
        }
        byte[] b = in.getAddress().getAddress();
        if (prefix > 8 * b.length) {
            return null;
        }
        for (int k = 0; k < b.length; k++) {
            int keep = Math.max(0, Math.min(8, prefix - 8 * k));
            b[k] &= (byte) (0xFF00 >> keep);
        }
        try {
            return io.netty.util.NetUtil.toAddressString(InetAddress.getByAddress(b)) + "/" + prefix;
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e); // a 4- or 16-byte array is always an address
        }
    }
}
