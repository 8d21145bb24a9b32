package io.remora.listener;

import io.netty.buffer.ByteBuf;
import io.netty.util.NetUtil;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The PROXY protocol header (HAProxy's spec, versions 1 and 2) at the start of a connection, as
 * Envoy's proxy_protocol listener filter reads it: the client and destination addresses a load
 * balancer in front passes on. Reading never moves the buffer's indexes; the caller skips
 * {@link Result#length()} bytes.
 */
final class ProxyProtocolHeader {

    private static final byte[] V1_PREFIX = "PROXY ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    /** The spec's longest version 1 header, CRLF included. */
    private static final int V1_MAX = 107;

    enum Status { NEED_MORE, ABSENT, INVALID, FOUND }

    /**
     * @param length      the header's bytes (FOUND)
     * @param version     1 or 2 (FOUND; INVALID once the version is known, as Envoy's filter knows it:
     *                    version 2 from the 16-byte prefix, version 1 from a CRLF within 108 bytes; 0 before)
     * @param source      the client, or null when the header carries no addresses (v1 UNKNOWN, v2
     *                    LOCAL or an address family other than TCP/UDP over IPv4/IPv6)
     * @param destination the address the client connected to, null with {@code source}
     * @param tlvs        version 2's TLVs after the addresses, by type in the order they came (the
     *                    last of a type wins)
     */
    record Result(Status status, int length, int version, InetSocketAddress source, InetSocketAddress destination,
                  java.util.Map<Integer, byte[]> tlvs) {
        static final Result NEED_MORE = new Result(Status.NEED_MORE, 0, 0, null, null, java.util.Map.of());
        static final Result ABSENT = new Result(Status.ABSENT, 0, 0, null, null, java.util.Map.of());
        static final Result INVALID = new Result(Status.INVALID, 0, 0, null, null, java.util.Map.of());
        static final Result INVALID_V1 = new Result(Status.INVALID, 0, 1, null, null, java.util.Map.of());
        static final Result INVALID_V2 = new Result(Status.INVALID, 0, 2, null, null, java.util.Map.of());

        Result(Status status, int length, int version, InetSocketAddress source, InetSocketAddress destination) {
            this(status, length, version, source, destination, java.util.Map.of());
        }
    }

    private ProxyProtocolHeader() {
    }

    static Result parse(ByteBuf in) {
        int n = in.readableBytes();
        int r = in.readerIndex();
        if (startsWith(in, r, n, V2_SIGNATURE)) {
            return n < V2_SIGNATURE.length ? Result.NEED_MORE : v2(in, r, n);
        }
        if (startsWith(in, r, n, V1_PREFIX)) {
            return n < V1_PREFIX.length ? Result.NEED_MORE : v1(in, r, n);
        }
        return Result.ABSENT;
    }

    /**
     * Whether the readable bytes could start a header of a version the filter allows: Envoy's test
     * under {@code allow_requests_without_proxy_protocol}, where a disallowed version's header is
     * no header at all and the connection goes on with it as its first bytes.
     */
    static boolean mayStartAllowed(ByteBuf in, boolean v1, boolean v2) {
        int n = in.readableBytes();
        int r = in.readerIndex();
        return (v2 && startsWith(in, r, n, V2_SIGNATURE)) || (v1 && startsWith(in, r, n, V1_PREFIX));
    }

    /** Whether the readable bytes are a prefix of {@code sig} or start with all of it. */
    private static boolean startsWith(ByteBuf in, int r, int n, byte[] sig) {
        for (int i = 0; i < Math.min(n, sig.length); i++) {
            if (in.getByte(r + i) != sig[i]) {
                return false;
            }
        }
        return n > 0;
    }

    private static Result v1(ByteBuf in, int r, int n) {
        int lf = -1;
        for (int i = 0; i < Math.min(n, V1_MAX); i++) {
            if (in.getByte(r + i) == '\n') {
                lf = i;
                break;
            }
        }
        if (lf < 0) {
            return n >= V1_MAX ? Result.INVALID : Result.NEED_MORE;
        }
        if (lf == 0 || in.getByte(r + lf - 1) != '\r') {
            return Result.INVALID; // Envoy looks for CRLF only: no version known
        }
        String line = in.toString(r, lf - 1, StandardCharsets.US_ASCII);
        String[] parts = line.split(" ", -1);
        int length = lf + 1;
        if (parts.length >= 2 && parts[1].equals("UNKNOWN")) {
            return new Result(Status.FOUND, length, 1, null, null);
        }
        if (parts.length != 6 || !(parts[1].equals("TCP4") || parts[1].equals("TCP6"))) {
            return Result.INVALID_V1;
        }
        boolean v4 = parts[1].equals("TCP4");
        InetAddress src = address(parts[2], v4);
        InetAddress dst = address(parts[3], v4);
        int sport = port(parts[4]);
        int dport = port(parts[5]);
        if (src == null || dst == null || sport < 0 || dport < 0 || !unicast(src) || !unicast(dst)) {
            return Result.INVALID_V1;
        }
        return new Result(Status.FOUND, length, 1, new InetSocketAddress(src, sport), new InetSocketAddress(dst, dport));
    }

    /**
     * Envoy's isUnicastAddress, which both of a header's addresses must pass: not the any
     * address, not IPv4's broadcast, not multicast.
     */
    private static boolean unicast(InetAddress a) {
        if (a.isAnyLocalAddress() || a.isMulticastAddress()) {
            return false;
        }
        byte[] b = a.getAddress();
        return !(b.length == 4 && b[0] == -1 && b[1] == -1 && b[2] == -1 && b[3] == -1);
    }

    private static InetAddress address(String s, boolean v4) {
        InetAddress a = NetUtil.createInetAddressFromIpAddressString(s);
        if (a == null || (v4 ? !(a instanceof Inet4Address) : !(a instanceof Inet6Address))) {
            return null;
        }
        return a;
    }

    /** A decimal port 0-65535 without sign or leading zeros (as the spec writes them), else -1. */
    private static int port(String s) {
        if (s.isEmpty() || s.length() > 5 || (s.length() > 1 && s.charAt(0) == '0')) {
            return -1;
        }
        int p = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            p = p * 10 + (c - '0');
        }
        return p <= 65535 ? p : -1;
    }

    private static Result v2(ByteBuf in, int r, int n) {
        if (n < 16) {
            return Result.NEED_MORE;
        }
        int verCmd = in.getUnsignedByte(r + 12);
        if ((verCmd >> 4) != 2) {
            return Result.INVALID_V2;
        }
        int cmd = verCmd & 0x0F;
        int fam = in.getUnsignedByte(r + 13);
        int len = in.getUnsignedShort(r + 14);
        int length = 16 + len;
        if (cmd == 0) {
            // LOCAL (a health check of the balancer's own): the connection's addresses, whatever
            // the family says; its TLVs are skipped.
            return n < length ? Result.NEED_MORE : new Result(Status.FOUND, length, 2, null, null);
        }
        // As Envoy's filter, a PROXY header must carry TCP or UDP over IPv4 or IPv6: another
        // command, AF_UNSPEC, AF_UNIX or an unspecified transport is an error, not a header without addresses.
        int af = fam >> 4;
        int proto = fam & 0x0F;
        int addresses = af == 1 ? 12 : af == 2 ? 36 : -1;
        if (addresses < 0 || len < addresses) {
            return Result.INVALID_V2;
        }
        if (n < length) {
            return Result.NEED_MORE;
        }
        if (cmd != 1 || (proto != 1 && proto != 2)) {
            return Result.INVALID_V2;
        }
        java.util.Map<Integer, byte[]> tlvs = tlvs(in, r + 16 + addresses, r + length);
        if (tlvs == null) {
            return Result.INVALID_V2;
        }
        InetSocketAddress source = af == 1 ? socket(in, r + 16, 4, r + 24) : socket(in, r + 16, 16, r + 48);
        InetSocketAddress destination = af == 1 ? socket(in, r + 20, 4, r + 26) : socket(in, r + 32, 16, r + 50);
        if (!unicast(source.getAddress()) || !unicast(destination.getAddress())) {
            return Result.INVALID_V2;
        }
        return new Result(Status.FOUND, length, 2, source, destination, tlvs);
    }

    /** Type-length-value records from {@code at} to {@code end}; null when one runs past the end. */
    private static java.util.Map<Integer, byte[]> tlvs(ByteBuf in, int at, int end) {
        if (at >= end) {
            return java.util.Map.of();
        }
        java.util.Map<Integer, byte[]> out = new java.util.LinkedHashMap<>(4); // in order: they may go upstream
        while (at < end) {
            if (end - at < 3) {
                return null;
            }
            int type = in.getUnsignedByte(at);
            int len = in.getUnsignedShort(at + 1);
            if (at + 3 + len > end) {
                return null;
            }
            byte[] v = new byte[len];
            in.getBytes(at + 3, v);
            out.put(type, v);
            at += 3 + len;
        }
        return out;
    }

    private static InetSocketAddress socket(ByteBuf in, int at, int size, int portAt) {
        byte[] b = new byte[size];
        in.getBytes(at, b);
        try {
            return new InetSocketAddress(InetAddress.getByAddress(b), in.getUnsignedShort(portAt));
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e); // 4 or 16 bytes: always an address
        }
    }
}
