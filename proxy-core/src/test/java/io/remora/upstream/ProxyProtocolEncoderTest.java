package io.remora.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.unix.DomainSocketAddress;
import io.remora.config.ProxyProtocolTlv;
import io.remora.config.UpstreamProxyProtocolConfig;
import io.remora.network.ProxyProtocolData;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The header bytes for addresses the end-to-end test cannot make: IPv6, mixed families, non-IP, oversized TLVs. */
class ProxyProtocolEncoderTest {
    private static final UnpooledByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;
    private static final UpstreamProxyProtocolConfig V1 = new UpstreamProxyProtocolConfig(1, false, Set.of(), List.of());
    private static final UpstreamProxyProtocolConfig V2 = new UpstreamProxyProtocolConfig(2, true, Set.of(), List.of());

    private static ProxyProtocolEncoder.Header encode(UpstreamProxyProtocolConfig c, ProxyProtocolData d) {
        return ProxyProtocolEncoder.encode(ALLOC, c, d, new InetSocketAddress("10.0.0.1", 1), new InetSocketAddress("10.0.0.2", 2));
    }

    private static String text(ProxyProtocolEncoder.Header h) {
        try {
            return h.bytes().toString(StandardCharsets.US_ASCII);
        } finally {
            h.bytes().release();
        }
    }

    private static ProxyProtocolData data(String src, int sport, String dst, int dport, ProxyProtocolTlv... tlvs) {
        return new ProxyProtocolData(new InetSocketAddress(src, sport), new InetSocketAddress(dst, dport), List.of(tlvs));
    }

    @Test
    void version1() {
        assertEquals("PROXY TCP6 2001:db8::1 ::1 5000 80\r\n", text(encode(V1, data("2001:db8:0:0:0:0:0:1", 5000, "::1", 80))));
        assertEquals("PROXY TCP6 ::ffff:192.0.2.1 2001:db8::2 1 2\r\n",
                text(encode(V1, data("192.0.2.1", 1, "2001:db8::2", 2))), "one family: IPv4 mapped");
        assertEquals("PROXY UNKNOWN\r\n", text(encode(V1, new ProxyProtocolData(new DomainSocketAddress("/tmp/a"),
                new DomainSocketAddress("/tmp/b"), List.of()))));
        assertEquals("PROXY TCP4 10.0.0.1 10.0.0.2 1 2\r\n", text(encode(V1, null)), "no downstream: its own addresses");
    }

    @Test
    void version2Ipv6AndLocal() {
        ProxyProtocolEncoder.Header h = encode(V2, data("2001:db8::1", 5000, "2001:db8::2", 443));
        assertEquals("0d0a0d0a000d0a515549540a" + "21" + "21" + "0024"
                + "20010db8000000000000000000000001" + "20010db8000000000000000000000002" + "1388" + "01bb",
                ByteBufUtil.hexDump(h.bytes()));
        h.bytes().release();
        ProxyProtocolEncoder.Header local = encode(V2, new ProxyProtocolData(new DomainSocketAddress("/tmp/a"),
                new DomainSocketAddress("/tmp/b"), List.of()));
        assertEquals("0d0a0d0a000d0a515549540a20000000", ByteBufUtil.hexDump(local.bytes()));
        local.bytes().release();
    }

    @Test
    void hostTlvsThenAddedThenPassedThroughOnePerType() {
        UpstreamProxyProtocolConfig c = new UpstreamProxyProtocolConfig(2, true, Set.of(),
                List.of(new ProxyProtocolTlv(1, new byte[]{1}), new ProxyProtocolTlv(2, new byte[]{2})));
        ProxyProtocolEncoder.Header h = ProxyProtocolEncoder.encode(ALLOC, c, List.of(new ProxyProtocolTlv(2, new byte[]{9})),
                data("192.0.2.1", 1, "192.0.2.2", 2, new ProxyProtocolTlv(1, new byte[]{5}), new ProxyProtocolTlv(3,
                        new byte[]{3})), null, null);
        assertEquals("020001090100010103000103", ByteBufUtil.hexDump(h.bytes(), 28, h.bytes().readableBytes() - 28));
        h.bytes().release();
    }

    @Test
    void tlvsPastTheLengthLimitAreLeftOutAndCounted() {
        byte[] big = new byte[65_520]; // 12 address bytes + 3 + 65520 = 65535: fits exactly
        ProxyProtocolEncoder.Header h = encode(V2, data("192.0.2.1", 1, "192.0.2.2", 2,
                new ProxyProtocolTlv(1, big), new ProxyProtocolTlv(2, new byte[]{7})));
        ByteBuf b = h.bytes();
        assertEquals(0xFFFF, b.getUnsignedShort(14));
        assertEquals(16 + 0xFFFF, b.readableBytes());
        assertTrue(h.tlvsDropped());
        b.release();
        ProxyProtocolEncoder.Header fits = encode(V2, data("192.0.2.1", 1, "192.0.2.2", 2, new ProxyProtocolTlv(2, new byte[]{7})));
        assertFalse(fits.tlvsDropped());
        fits.bytes().release();
    }
}
