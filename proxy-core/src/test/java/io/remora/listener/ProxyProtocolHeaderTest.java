package io.remora.listener;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** PROXY protocol headers of both versions, fed whole and byte by byte. */
class ProxyProtocolHeaderTest {

    static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }

    static ByteBuf v2(int verCmd, int fam, byte[] body) {
        ByteBuf b = Unpooled.buffer();
        b.writeBytes(new byte[]{0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A});
        b.writeByte(verCmd).writeByte(fam).writeShort(body.length).writeBytes(body);
        return b;
    }

    @Test
    void version1() {
        ByteBuf b = ascii("PROXY TCP4 203.0.113.7 10.0.0.1 5555 80\r\nGET / HTTP/1.1\r\n");
        ProxyProtocolHeader.Result r = ProxyProtocolHeader.parse(b);
        assertEquals(ProxyProtocolHeader.Status.FOUND, r.status());
        assertEquals(1, r.version());
        assertEquals("PROXY TCP4 203.0.113.7 10.0.0.1 5555 80\r\n".length(), r.length());
        assertEquals(new InetSocketAddress("203.0.113.7", 5555), r.source());
        assertEquals(new InetSocketAddress("10.0.0.1", 80), r.destination());
        assertEquals(0, b.readerIndex(), "nothing consumed");

        ProxyProtocolHeader.Result v6 = ProxyProtocolHeader.parse(ascii("PROXY TCP6 2001:db8::1 ::1 1 2\r\n"));
        assertEquals(new InetSocketAddress("2001:db8::1", 1), v6.source());
        ProxyProtocolHeader.Result unknown = ProxyProtocolHeader.parse(ascii("PROXY UNKNOWN whatever\r\n"));
        assertEquals(ProxyProtocolHeader.Status.FOUND, unknown.status());
        assertNull(unknown.source());

        for (String bad : new String[]{"PROXY TCP4 ::1 10.0.0.1 1 2\r\n", "PROXY TCP4 1.2.3.4 5.6.7.8 1 65536\r\n",
                "PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n", "PROXY TCP4 host 5.6.7.8 1 2\r\n", "PROXY " + "x".repeat(120)}) {
            assertEquals(ProxyProtocolHeader.Status.INVALID, ProxyProtocolHeader.parse(ascii(bad)).status(), bad);
        }
    }

    /**
     * Envoy's parseV1Header: the line is right-trimmed of whitespace (spaces, tabs, CRs) before its
     * CRLF, then split at every single space, so two spaces or a tab between fields fail; ports
     * are read as absl's SimpleAtoi reads them (leading zeros, a '+', whitespace around), addresses
     * as inet_pton (no leading zeros in an IPv4 octet).
     */
    @Test
    void version1Whitespace() {
        for (String good : new String[]{"PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\t \r\n",
                "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\r\n", "PROXY TCP4 1.2.3.4 5.6.7.8 01 +2\r\n",
                "PROXY TCP4 1.2.3.4 5.6.7.8 1\t 2\r\n", "PROXY UNKNOWN \r\n"}) {
            ProxyProtocolHeader.Result r = ProxyProtocolHeader.parse(ascii(good + "GET"));
            assertEquals(ProxyProtocolHeader.Status.FOUND, r.status(), good);
            assertEquals(good.length(), r.length(), good);
        }
        assertEquals(new InetSocketAddress("1.2.3.4", 1),
                ProxyProtocolHeader.parse(ascii("PROXY TCP4 1.2.3.4 5.6.7.8 01 +2\r\n")).source());
        for (String bad : new String[]{"PROXY  TCP4 1.2.3.4 5.6.7.8 1 2\r\n", "PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n",
                "PROXY TCP4 1.2.3.4\t5.6.7.8 1 2\r\n", "PROXY TCP4 01.2.3.4 5.6.7.8 1 2\r\n",
                "PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n", "PROXY TCP6 [::1] ::2 1 2\r\n", "PROXY\r\n"}) {
            ProxyProtocolHeader.Result r = ProxyProtocolHeader.parse(ascii(bad));
            assertEquals(ProxyProtocolHeader.Status.INVALID, r.status(), bad);
            assertEquals(1, r.version(), bad);
        }
        // A line feed alone ends nothing: Envoy keeps looking for a CRLF, up to 107 bytes.
        assertEquals(ProxyProtocolHeader.Status.NEED_MORE,
                ProxyProtocolHeader.parse(ascii("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n")).status());
        ProxyProtocolHeader.Result tooLong = ProxyProtocolHeader.parse(ascii("PROXY UNKNOWN" + " ".repeat(93) + "\r\n"));
        assertEquals(ProxyProtocolHeader.Status.INVALID, tooLong.status(), "108 bytes");
        assertEquals(1, tooLong.version(), "a CRLF makes it version 1");
        assertEquals(ProxyProtocolHeader.Status.FOUND,
                ProxyProtocolHeader.parse(ascii("PROXY UNKNOWN" + " ".repeat(92) + "\r\n")).status(), "107 bytes");
        // Under 16 bytes a CRLF makes any line a version 1 header (then an error); at 16 bytes the prefix decides.
        assertEquals(1, ProxyProtocolHeader.parse(ascii("GET /\r\n")).version());
        assertEquals(ProxyProtocolHeader.Status.NEED_MORE, ProxyProtocolHeader.parse(ascii("PRI * HTTP/2.0")).status());
        assertEquals(ProxyProtocolHeader.Status.ABSENT, ProxyProtocolHeader.parse(ascii("GET / HTTP/1.1\r\n")).status());
        // An IPv4-mapped IPv6 address stays version 6, as Envoy's Ipv6Instance.
        assertEquals(java.net.Inet6Address.class, ProxyProtocolHeader.parse(ascii("PROXY TCP6 ::ffff:1.2.3.4 ::1 1 2\r\n"))
                .source().getAddress().getClass());
    }

    /** Every TLV, a repeated type's included, in the header's order; a disallowed version is DENIED first. */
    @Test
    void repeatedTlvsAndDisallowedVersions() {
        byte[] body = {1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 0, 2, 5, 0, 1, 'a', 6, 0, 0, 5, 0, 1, 'b'};
        java.util.List<io.remora.config.ProxyProtocolTlv> tlvs = ProxyProtocolHeader.parse(v2(0x21, 0x11, body)).tlvs();
        assertEquals(java.util.List.of(new io.remora.config.ProxyProtocolTlv(5, new byte[]{'a'}),
                new io.remora.config.ProxyProtocolTlv(6, new byte[0]),
                new io.remora.config.ProxyProtocolTlv(5, new byte[]{'b'})), tlvs);
        ProxyProtocolHeader.Result v2 = ProxyProtocolHeader.parse(v2(0x21, 0x11, body), true, false);
        assertEquals(ProxyProtocolHeader.Status.DENIED, v2.status());
        assertEquals(2, v2.version());
        ProxyProtocolHeader.Result v1 = ProxyProtocolHeader.parse(ascii("PROXY TCP4 1.2.3.4 5.6.7.8 1 x\r\n"), false, true);
        assertEquals(ProxyProtocolHeader.Status.DENIED, v1.status(), "denied before it is read");
        assertEquals(1, v1.version());
    }

    @Test
    void version2() {
        byte[] v4 = {(byte) 203, 0, 113, 7, 10, 0, 0, 1, 0x15, (byte) 0xB3, 0, 80, /* a TLV */ 0x04, 0, 1, 9};
        ProxyProtocolHeader.Result r = ProxyProtocolHeader.parse(v2(0x21, 0x11, v4));
        assertEquals(ProxyProtocolHeader.Status.FOUND, r.status());
        assertEquals(2, r.version());
        assertEquals(16 + v4.length, r.length(), "TLVs are part of the header");
        assertEquals(new InetSocketAddress("203.0.113.7", 5555), r.source());
        assertEquals(new InetSocketAddress("10.0.0.1", 80), r.destination());

        ProxyProtocolHeader.Result local = ProxyProtocolHeader.parse(v2(0x20, 0x00, new byte[0]));
        assertEquals(ProxyProtocolHeader.Status.FOUND, local.status());
        assertNull(local.source(), "LOCAL keeps the connection's addresses");
        assertEquals(ProxyProtocolHeader.Status.INVALID, ProxyProtocolHeader.parse(v2(0x31, 0x11, v4)).status(),
                "version 3");
        assertEquals(ProxyProtocolHeader.Status.INVALID,
                ProxyProtocolHeader.parse(v2(0x21, 0x11, new byte[4])).status(), "too short for IPv4");
        // As Envoy's parseV2Header: PROXY needs TCP/UDP over IPv4/IPv6 and unicast addresses.
        byte[] unix = new byte[216];
        for (ByteBuf bad : new ByteBuf[]{v2(0x21, 0x00, new byte[0]), v2(0x21, 0x31, unix), v2(0x21, 0x10, v4),
                v2(0x22, 0x11, v4), v2(0x21, 0x11, new byte[]{0, 0, 0, 0, 10, 0, 0, 1, 0, 1, 0, 2})}) {
            ProxyProtocolHeader.Result invalid = ProxyProtocolHeader.parse(bad);
            assertEquals(ProxyProtocolHeader.Status.INVALID, invalid.status());
            assertEquals(2, invalid.version(), "a version 2 error");
        }
        assertEquals(1, ProxyProtocolHeader.parse(ascii("PROXY TCP4 224.0.0.1 10.0.0.1 1 2\r\n")).version());
        assertEquals(ProxyProtocolHeader.Status.FOUND, ProxyProtocolHeader.parse(v2(0x20, 0x31, new byte[0])).status(),
                "LOCAL whatever the family");
    }

    @Test
    void allowedVersionsPrefix() {
        ByteBuf v2 = v2(0x21, 0x11, new byte[12]);
        assertEquals(false, ProxyProtocolHeader.mayStartAllowed(v2, true, false));
        assertEquals(true, ProxyProtocolHeader.mayStartAllowed(v2.slice(0, 3), false, true));
        assertEquals(true, ProxyProtocolHeader.mayStartAllowed(ascii("PRO"), true, false));
        assertEquals(false, ProxyProtocolHeader.mayStartAllowed(ascii("PROXY TCP4"), false, true));
    }

    @Test
    void everySplitPointNeedsMoreUntilTheEnd() {
        for (ByteBuf whole : new ByteBuf[]{ascii("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n"),
                v2(0x21, 0x11, new byte[]{1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 0, 2})}) {
            int n = whole.readableBytes();
            for (int i = 1; i < n; i++) {
                assertEquals(ProxyProtocolHeader.Status.NEED_MORE,
                        ProxyProtocolHeader.parse(whole.slice(0, i)).status(), "first " + i + " of " + n);
            }
            assertEquals(ProxyProtocolHeader.Status.FOUND, ProxyProtocolHeader.parse(whole).status());
        }
        assertEquals(ProxyProtocolHeader.Status.ABSENT, ProxyProtocolHeader.parse(ascii("GET / HTTP/1.1\r\n")).status());
        assertEquals(ProxyProtocolHeader.Status.ABSENT, ProxyProtocolHeader.parse(ascii("PRI * HTTP/2.0\r\n\r\n")).status());
    }
}
