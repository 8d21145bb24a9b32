package io.remora.listener;

import io.netty.buffer.ByteBuf;
import io.netty.util.NetUtil;
import io.remora.config.ProxyProtocolTlv;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The PROXY protocol header (HAProxy's spec, versions 1 and 2) at the start of a connection, as
 * Envoy's proxy_protocol listener filter reads it: the client and destination addresses a load
 * balancer in front passes on. Reading never moves the buffer's indexes; the caller skips
 * {@link Result#length()} bytes.
 */
final class ProxyProtocolHeader {

    private static final byte[] V1_PREFIX = "PROXY ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    /** Envoy's MAX_PROXY_PROTO_LEN_V1: the spec's longest version 1 header, CRLF included. */
    private static final int V1_MAX = 107;
    /** The fixed part of a version 2 header; as many bytes decide whether a header is version 2. */
    private static final int V2_HEADER = 16;
    /** What absl's rtrim and SimpleAtoi take for whitespace. */
    private static final String WHITESPACE = " \t\f\u000B\n\r";

    enum Status { NEED_MORE, ABSENT, INVALID, DENIED, FOUND }

    /**
     * @param length      the header's bytes (FOUND)
     * @param version     1 or 2 (FOUND, DENIED; INVALID once the version is known, as Envoy's filter knows it:
     *                    version 2 from the 16-byte prefix, version 1 from a CRLF within 108 bytes; 0 before)
     * @param source      the client, or null when the header carries no addresses (v1 UNKNOWN, v2
     *                    LOCAL or an address family other than TCP/UDP over IPv4/IPv6)
     * @param destination the address the client connected to, null with {@code source}
     * @param tlvs        version 2's TLVs after the addresses, in the order they came, repeated
     *                    types included
     */
    record Result(Status status, int length, int version, InetSocketAddress source, InetSocketAddress destination,
                  List<ProxyProtocolTlv> tlvs) {
        static final Result NEED_MORE = new Result(Status.NEED_MORE, 0, 0, null, null, List.of());
        static final Result ABSENT = new Result(Status.ABSENT, 0, 0, null, null, List.of());
        static final Result INVALID = new Result(Status.INVALID, 0, 0, null, null, List.of());
        static final Result INVALID_V1 = new Result(Status.INVALID, 0, 1, null, null, List.of());
        static final Result INVALID_V2 = new Result(Status.INVALID, 0, 2, null, null, List.of());
        static final Result DENIED_V1 = new Result(Status.DENIED, 0, 1, null, null, List.of());
        static final Result DENIED_V2 = new Result(Status.DENIED, 0, 2, null, null, List.of());

        Result(Status status, int length, int version, InetSocketAddress source, InetSocketAddress destination) {
            this(status, length, version, source, destination, List.of());
        }
    }

    private ProxyProtocolHeader() {
    }

    static Result parse(ByteBuf in) {
        return parse(in, true, true);
    }

    /**
     * Envoy's readProxyHeader: 16 bytes that are neither version 2's signature nor start with
     * {@code "PROXY "} are no header; otherwise a version 1 header runs to the first CRLF after
     * the first byte (one at the very start may begin version 2's signature: more bytes decide).
     * A header of a version not allowed is DENIED before it is read further.
     */
    static Result parse(ByteBuf in, boolean v1Allowed, boolean v2Allowed) {
        int n = in.readableBytes();
        int r = in.readerIndex();
        if (n >= V2_HEADER) {
            if (startsWith(in, r, n, V2_SIGNATURE)) {
                return v2Allowed ? v2(in, r, n) : Result.DENIED_V2;
            }
            if (!startsWith(in, r, n, V1_PREFIX)) {
                return Result.ABSENT;
            }
        }
        int crlf = -1;
        for (int i = 1; i < n; i++) {
            if (in.getByte(r + i) == '\n' && in.getByte(r + i - 1) == '\r') {
                crlf = i;
                break;
            }
        }
        if (crlf == 1) {
            return Result.NEED_MORE;
        }
        if (crlf < 0) {
            return n > V1_MAX ? Result.INVALID : Result.NEED_MORE;
        }
        int length = crlf + 1;
        if (length > V1_MAX) {
            return Result.INVALID_V1;
        }
        return v1Allowed ? v1(in, r, length) : Result.DENIED_V1;
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

    /**
     * Envoy's parseV1Header: the line, CRLF and any whitespace before it trimmed, split at each
     * single space (two spaces make an empty field, which fails), then
     * {@code PROXY TCP4|TCP6 src dst sport dport} or {@code PROXY UNKNOWN ...}.
     */
    private static Result v1(ByteBuf in, int r, int length) {
        String line = rtrim(in.toString(r, length, StandardCharsets.ISO_8859_1));
        String[] parts = line.split(" ", -1);
        if (parts.length < 2 || !parts[0].equals("PROXY")) {
            return Result.INVALID_V1;
        }
        if (parts[1].equals("UNKNOWN")) {
            return new Result(Status.FOUND, length, 1, null, null);
        }
        if (parts.length != 6 || !(parts[1].equals("TCP4") || parts[1].equals("TCP6"))) {
            return Result.INVALID_V1;
        }
        boolean v4 = parts[1].equals("TCP4");
        InetAddress src = v4 ? ipv4(parts[2]) : ipv6(parts[2]);
        InetAddress dst = v4 ? ipv4(parts[3]) : ipv6(parts[3]);
        int sport = port(parts[4]);
        int dport = port(parts[5]);
        if (src == null || dst == null || sport < 0 || dport < 0 || !unicast(src) || !unicast(dst)) {
            return Result.INVALID_V1;
        }
        return new Result(Status.FOUND, length, 1, new InetSocketAddress(src, sport), new InetSocketAddress(dst, dport));
    }

    private static String rtrim(String s) {
        int end = s.length();
        while (end > 0 && WHITESPACE.indexOf(s.charAt(end - 1)) >= 0) {
            end--;
        }
        return s.substring(0, end);
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

    /** inet_pton's IPv4 form, which Envoy parses with: four decimal octets, no leading zeros. */
    private static InetAddress ipv4(String s) {
        byte[] b = new byte[4];
        int octet = -1;
        int value = 0;
        int digits = 0;
        for (int i = 0; i <= s.length(); i++) {
            char c = i < s.length() ? s.charAt(i) : '.';
            if (c >= '0' && c <= '9') {
                if (digits > 0 && value == 0) {
                    return null;
                }
                value = value * 10 + (c - '0');
                if (value > 255) {
                    return null;
                }
                digits++;
            } else if (c == '.' && digits > 0 && octet < 3) {
                b[++octet] = (byte) value;
                value = 0;
                digits = 0;
            } else {
                return null;
            }
        }
        return octet == 3 ? address(b) : null;
    }

    /**
     * An IPv6 address, kept as one even when it maps an IPv4 address (Envoy's header address
     * stays version 6). Envoy resolves a zone ({@code %}) through getaddrinfo; none is taken here.
     */
    private static InetAddress ipv6(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' || c == '[' || c == ']' || WHITESPACE.indexOf(c) >= 0) {
                return null;
            }
        }
        byte[] b = NetUtil.createByteArrayFromIpAddressString(s);
        return b != null && b.length == 16 ? address(b) : null;
    }

    /**
     * absl's SimpleAtoi as Envoy reads a port: whitespace around it and a {@code +} are taken,
     * leading zeros too; 0-65535, else -1.
     */
    private static int port(String s) {
        int from = 0;
        int to = s.length();
        while (from < to && WHITESPACE.indexOf(s.charAt(from)) >= 0) {
            from++;
        }
        while (to > from && WHITESPACE.indexOf(s.charAt(to - 1)) >= 0) {
            to--;
        }
        if (from < to && s.charAt(from) == '+') {
            from++;
        }
        if (from == to) {
            return -1;
        }
        long p = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            p = p * 10 + (c - '0');
            if (p > 65535) {
                return -1;
            }
        }
        return (int) p;
    }

    /**
     * Envoy's order: the version nibble, then the family (LOCAL has no addresses), the length
     * against the addresses, then, once the addresses are in, the command and transport; the
     * TLVs once the whole header is.
     */
    private static Result v2(ByteBuf in, int r, int n) {
        int verCmd = in.getUnsignedByte(r + 12);
        if ((verCmd >> 4) != 2) {
            return Result.INVALID_V2;
        }
        int cmd = verCmd & 0x0F;
        int fam = in.getUnsignedByte(r + 13);
        int len = in.getUnsignedShort(r + 14);
        int length = V2_HEADER + len;
        if (cmd == 0) {
            // LOCAL (a health check of the balancer's own): the connection's addresses, whatever
            // the family says; its TLVs are skipped.
            return n < length ? Result.NEED_MORE : new Result(Status.FOUND, length, 2, null, null);
        }
        int af = fam >> 4;
        int proto = fam & 0x0F;
        int addresses = af == 1 ? 12 : af == 2 ? 36 : -1;
        if (addresses < 0 || len < addresses) {
            return Result.INVALID_V2;
        }
        if (n < V2_HEADER + addresses) {
            return Result.NEED_MORE;
        }
        // As Envoy's filter, a PROXY header must carry TCP or UDP: another command or an
        // unspecified transport is an error, not a header without addresses.
        if (cmd != 1 || (proto != 1 && proto != 2)) {
            return Result.INVALID_V2;
        }
        if (n < length) {
            return Result.NEED_MORE;
        }
        List<ProxyProtocolTlv> tlvs = tlvs(in, r + V2_HEADER + addresses, r + length);
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
    private static List<ProxyProtocolTlv> tlvs(ByteBuf in, int at, int end) {
        if (at >= end) {
            return List.of();
        }
        List<ProxyProtocolTlv> out = new ArrayList<>(4);
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
            out.add(new ProxyProtocolTlv(type, v));
            at += 3 + len;
        }
        return out;
    }

    private static InetSocketAddress socket(ByteBuf in, int at, int size, int portAt) {
        byte[] b = new byte[size];
        in.getBytes(at, b);
        return new InetSocketAddress(address(b), in.getUnsignedShort(portAt));
    }

    /** 4 bytes an IPv4 address, 16 an IPv6 one (an IPv4-mapped one included). */
    private static InetAddress address(byte[] b) {
        try {
            return b.length == 4 ? InetAddress.getByAddress(b) : Inet6Address.getByAddress(null, b, -1);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // 4 or 16 bytes: always an address
        }
    }
}
