package io.remora.udp.dns;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.remora.config.DnsFilterConfig;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The DNS filter's parser and response writer on hand-made and random packets. */
class DnsMessageParserTest {
    private final DnsFilterStats stats = new DnsFilterStats(new SimpleMeterRegistry(), "t");

    /** A header: id, flags, then the four counts. */
    private static ByteArrayOutputStream header(int id, int flags, int qd, int an, int ns, int ar) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int v : new int[] {id, flags, qd, an, ns, ar}) {
            b.write(v >> 8);
            b.write(v);
        }
        return b;
    }

    private static void name(ByteArrayOutputStream b, String... labels) {
        for (String l : labels) {
            b.write(l.length());
            b.writeBytes(l.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        }
        b.write(0);
    }

    private static void u16(ByteArrayOutputStream b, int v) {
        b.write(v >> 8);
        b.write(v);
    }

    private static byte[] query(int id, int type, String... labels) {
        ByteArrayOutputStream b = header(id, 0x0100, 1, 0, 0, 0);
        name(b, labels);
        u16(b, type);
        u16(b, 1);
        return b.toByteArray();
    }

    private DnsQuery parse(byte[] packet) {
        return DnsMessageParser.parse(Unpooled.wrappedBuffer(packet), stats);
    }

    @Test
    void aQuestionIsRead() {
        ByteArrayOutputStream b = header(0x1234, 0x0100, 1, 0, 0, 1);
        name(b, "www", "example", "com");
        u16(b, DnsWire.TYPE_AAAA);
        u16(b, 1);
        // An EDNS OPT record, as dig sends: ignored, counted.
        b.writeBytes(new byte[] {0, 0, 41, 16, 0, 0, 0, 0, 0, 0, 0});
        DnsQuery q = parse(b.toByteArray());
        assertTrue(q.parsed);
        assertEquals(0x1234, q.id);
        assertEquals("www.example.com", q.name);
        assertEquals(DnsWire.TYPE_AAAA, q.type);
        assertEquals(1, stats.queriesWithAdditionalRrs.count());
    }

    @Test
    void aShortHeaderIsAnUnderflowButKeepsItsId() {
        DnsQuery q = parse(new byte[] {0x12, 0x34, 0x01, 0x00, 0x00});
        assertFalse(q.parsed);
        assertEquals(0x1234, q.id);
        assertEquals(0x0100, q.flags);
        assertEquals(1, stats.queryBufferUnderflow.count());
        assertFalse(parse(new byte[] {7}).parsed);
        assertEquals(2, stats.queryBufferUnderflow.count());
    }

    @Test
    void responsesInverseQueriesManyQuestionsAndIdZeroAreRefused() {
        ByteArrayOutputStream response = header(1, 0x8100, 1, 0, 0, 0);
        name(response, "a", "com");
        assertFalse(parse(response.toByteArray()).parsed);
        ByteArrayOutputStream withAnswer = header(1, 0x0100, 1, 1, 0, 0);
        name(withAnswer, "a", "com");
        assertFalse(parse(withAnswer.toByteArray()).parsed);
        assertEquals(2, stats.queriesWithAnsOrAuthorityRrs.count());
        ByteArrayOutputStream two = header(1, 0x0100, 2, 0, 0, 0);
        name(two, "a", "com");
        assertFalse(parse(two.toByteArray()).parsed);
        assertFalse(parse(query(0, DnsWire.TYPE_A, "a", "com")).parsed);
        assertEquals(0, stats.queryParsingFailure.count());
    }

    @Test
    void truncatedNamesAndMissingTypeAreParsingFailures() {
        byte[] full = query(9, DnsWire.TYPE_A, "example", "com");
        assertFalse(parse(java.util.Arrays.copyOf(full, 16)).parsed, "cut inside a label");
        assertEquals(1, stats.queryBufferUnderflow.count());
        assertFalse(parse(java.util.Arrays.copyOf(full, full.length - 2)).parsed, "no class");
        assertEquals(2, stats.queryParsingFailure.count());
        assertFalse(parse(java.util.Arrays.copyOf(full, 14)).parsed, "fewer than 3 bytes of question");
        assertEquals(3, stats.queryParsingFailure.count());
    }

    @Test
    void compressionLoopsEndTheParse() {
        ByteArrayOutputStream self = header(5, 0, 1, 0, 0, 0);
        self.writeBytes(new byte[] {(byte) 0xC0, 12, 0, 1, 0, 1}); // a pointer to itself
        assertFalse(parse(self.toByteArray()).parsed);
        ByteArrayOutputStream pair = header(5, 0, 1, 0, 0, 0);
        // "a" then a pointer to offset 17, which points back to 12: the name never ends.
        pair.writeBytes(new byte[] {1, 'a', (byte) 0xC0, 17, 0, (byte) 0xC0, 12, 0, 1, 0, 1});
        assertFalse(parse(pair.toByteArray()).parsed);
        ByteArrayOutputStream outside = header(5, 0, 1, 0, 0, 0);
        outside.writeBytes(new byte[] {(byte) 0xC1, 0, 0, 1, 0, 1}); // past the end of the packet
        assertFalse(parse(outside.toByteArray()).parsed);
        assertEquals(3, stats.queryParsingFailure.count());
    }

    @Test
    void aPointerIsFollowedAndTheTypeReadAfterIt() {
        ByteArrayOutputStream b = header(5, 0, 1, 0, 0, 0);
        b.writeBytes(new byte[] {3, 'w', 'w', 'w', (byte) 0xC0, 22, 0, 1, 0, 1});
        name(b, "example", "com");
        DnsQuery q = parse(b.toByteArray());
        assertTrue(q.parsed);
        assertEquals("www.example.com", q.name);
        assertEquals(DnsWire.TYPE_A, q.type);
    }

    @Test
    void overLongNamesAndBadLabelsAreRefused() {
        String l = "a".repeat(63);
        assertFalse(parse(query(3, DnsWire.TYPE_A, l, l, l, l)).parsed, "256 bytes");
        assertEquals(1, stats.recordNameOverflow.count());
        assertTrue(parse(query(3, DnsWire.TYPE_A, l, l, l, "a".repeat(61))).parsed, "255 bytes");
        ByteArrayOutputStream extended = header(5, 0, 1, 0, 0, 0);
        extended.writeBytes(new byte[] {0x41, 'a', 0, 0, 1, 0, 1});
        assertFalse(parse(extended.toByteArray()).parsed, "label type 01");
        ByteArrayOutputStream chaos = header(5, 0, 1, 0, 0, 0);
        name(chaos, "version", "bind");
        u16(chaos, 16);
        u16(chaos, 3);
        assertFalse(parse(chaos.toByteArray()).parsed, "class CH");
        assertFalse(parse(query(3, DnsWire.TYPE_A)).parsed, "the root alone");
    }

    @Test
    void oddBytesInLabelsAreEscapedAsCAresDoes() {
        assertEquals("a\\.b.c\\\\d.e\\000f\\255", parse(query(1, 1, "a.b", "c\\d", "e\0f\u00ff")).name);
    }

    private DnsQuery parsed(int type, String... labels) {
        return parse(query(0x4242, type, labels));
    }

    private static byte[] bytes(ByteBuf b) {
        byte[] out = new byte[b.readableBytes()];
        b.getBytes(b.readerIndex(), out);
        b.release();
        return out;
    }

    private static int u16(byte[] b, int at) {
        return (b[at] & 0xFF) << 8 | b[at + 1] & 0xFF;
    }

    @Test
    void responsesEchoTheHeaderAndCarryTheRcode() throws Exception {
        DnsQuery q = parsed(DnsWire.TYPE_A, "web", "example", "com");
        q.answer(DnsRecord.address(q.name, 60, InetAddress.getByName("10.0.0.1")));
        byte[] r = bytes(DnsResponseWriter.write(q, true, ByteBufAllocator.DEFAULT));
        assertEquals(0x4242, u16(r, 0));
        assertEquals(0x8180, u16(r, 2), "QR, RD copied, RA, NOERROR");
        assertEquals(1, u16(r, 4));
        assertEquals(1, u16(r, 6));
        assertEquals(10, r[r.length - 4]);
        assertEquals(0x8103, u16(bytes(DnsResponseWriter.write(parsed(DnsWire.TYPE_A, "x", "com"), false,
                ByteBufAllocator.DEFAULT)), 2), "no answer: NXDOMAIN, no RA without a client config");
        assertEquals(0x8104, u16(bytes(DnsResponseWriter.write(parsed(15, "x", "com"), false,
                ByteBufAllocator.DEFAULT)), 2), "MX: NOTIMP");
        byte[] formerr = bytes(DnsResponseWriter.write(parse(new byte[] {0x12, 0x34, 0x01}), false,
                ByteBufAllocator.DEFAULT));
        assertEquals(12, formerr.length);
        assertEquals(0x1234, u16(formerr, 0));
        assertEquals(0x8001, u16(formerr, 2));
        assertEquals(0, u16(formerr, 4));
    }

    @Test
    void responsesStopAtEightRecordsAnd512Bytes() throws Exception {
        DnsQuery q = parsed(DnsWire.TYPE_A, "many", "example", "com");
        for (int i = 0; i < 20; i++) {
            q.answer(DnsRecord.address(q.name, 60, InetAddress.getByName("10.0.0." + i)));
        }
        assertEquals(8, u16(bytes(DnsResponseWriter.write(q, false, ByteBufAllocator.DEFAULT)), 6));
        String l = "b".repeat(60);
        DnsQuery big = parsed(DnsWire.TYPE_AAAA, l, l, l, "com");
        for (int i = 0; i < 8; i++) {
            big.answer(DnsRecord.address(big.name, 60, InetAddress.getByName("2001:db8::" + i)));
        }
        byte[] r = bytes(DnsResponseWriter.write(big, false, ByteBufAllocator.DEFAULT));
        assertTrue(r.length <= 512, "at most 512 bytes, not " + r.length);
        assertEquals(1, u16(r, 6), "a 213-byte record leaves room for one beside the question");
    }

    @Test
    void srvAnswersCarryTheirTargetsAddress() throws Exception {
        DnsLookupTable table = new DnsLookupTable(List.of(
                new DnsFilterConfig.VirtualDomain("t1.example.com", List.of(InetAddress.getByName("10.0.0.7")), null,
                        null, null),
                new DnsFilterConfig.VirtualDomain("example.com", null, null, List.of(new DnsFilterConfig.Service(
                        "_http._tcp.example.com", Duration.ofSeconds(40), List.of(
                                new DnsFilterConfig.Target("t1.example.com", false, 1, 2, 8080)))), null)));
        DnsQuery q = parsed(DnsWire.TYPE_SRV, "_http", "_tcp", "example", "com");
        assertTrue(new DnsLocalResolver(table, null, stats).resolve(q));
        byte[] r = bytes(DnsResponseWriter.write(q, false, ByteBufAllocator.DEFAULT));
        assertEquals(1, u16(r, 6));
        assertEquals(1, u16(r, 10), "the target's A record as additional");
        assertEquals(1, stats.localSrvRecordAnswers.count());
        assertEquals(1, stats.localARecordAnswers.count());
    }

    @Test
    void theTableKnowsSuffixesAndWildcards() throws Exception {
        List<InetAddress> a = List.of(InetAddress.getByName("10.1.1.1"));
        List<InetAddress> b = List.of(InetAddress.getByName("10.2.2.2"));
        DnsLookupTable t = new DnsLookupTable(List.of(
                new DnsFilterConfig.VirtualDomain("*.example.com", a, null, null, Duration.ofSeconds(90)),
                new DnsFilterConfig.VirtualDomain("*.deep.example.com", b, null, null, null),
                new DnsFilterConfig.VirtualDomain("exact.deep.example.com", a, null, null, null)));
        assertTrue(t.known("anything.example.com"));
        assertFalse(t.known("example.org"));
        assertEquals(a, t.endpoint("x.example.com").addresses);
        assertEquals(b, t.endpoint("x.y.deep.example.com").addresses, "the longest wildcard");
        assertEquals(a, t.endpoint("exact.deep.example.com").addresses, "the name's own entry first");
        assertNull(t.endpoint("example.com"));
        assertEquals(90, t.ttlSeconds("x.example.com"));
        assertEquals(300, t.ttlSeconds("exact.deep.example.com"));
        assertEquals("example.com", DnsLookupTable.suffix("a.b.example.com"));
        assertEquals("localhost", DnsLookupTable.suffix("localhost"));
    }

    @Test
    void randomBytesNeverThrow() {
        Random random = new Random(42);
        for (int i = 0; i < 20000; i++) {
            byte[] p = new byte[random.nextInt(64)];
            random.nextBytes(p);
            if (p.length > 12 && random.nextBoolean()) {
                p[2] &= 0x7F; // a query, so the name parser is reached more often
                p[4] = 0;
                p[5] = 1;
                p[6] = p[7] = p[8] = p[9] = 0;
            }
            DnsQuery q = parse(p);
            DnsResponseWriter.write(q, true, ByteBufAllocator.DEFAULT).release();
        }
    }
}
