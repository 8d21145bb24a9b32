package io.remora.extensions.geoip_providers.maxmind;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The MMDB reader against databases {@link MmdbWriter} builds from the format spec. */
class MmdbReaderTest {

    private static Map<String, Object> city(String iso, String name) {
        return Map.of("country", Map.of("iso_code", iso), "city", Map.of("names", Map.of("en", name, "de", name + "-de")),
                "subdivisions", List.of(Map.of("iso_code", iso + "-1"), Map.of("iso_code", iso + "-2")));
    }

    private static MmdbReader read(MmdbWriter w) throws Exception {
        return MmdbReader.of(ByteBuffer.wrap(w.build()));
    }

    private static String value(MmdbReader r, String ip, String... path) throws Exception {
        int record = r.lookup(InetAddress.getByName(ip));
        return record < 0 ? null : r.value(record, new MmdbPath(path));
    }

    @ParameterizedTest
    @ValueSource(ints = {24, 28, 32})
    void ipv4AndIpv6NetworksInAnIpv6TreeForEachRecordSize(int recordSize) throws Exception {
        MmdbReader r = read(new MmdbWriter("GeoIP2-City", 6, recordSize)
                .insert("81.2.69.0/24", city("GB", "London"))
                .insert("2001:db8::/32", city("SE", "Stockholm"))
                .insert("89.160.20.112/28", city("SE", "Linköping")));
        assertEquals(recordSize, r.recordSize());
        assertEquals("GeoIP2-City", r.databaseType());
        assertEquals(6, r.ipVersion());
        assertEquals("GB", value(r, "81.2.69.142", "country", "iso_code"));
        assertEquals("London", value(r, "81.2.69.1", "city", "names", "en"));
        assertEquals("GB-1", value(r, "81.2.69.1", "subdivisions", "0", "iso_code"));
        assertEquals("GB-2", value(r, "81.2.69.1", "subdivisions", "1", "iso_code"));
        assertNull(value(r, "81.2.69.1", "subdivisions", "2", "iso_code"));
        assertEquals("Linköping", value(r, "89.160.20.120", "city", "names", "en"));
        assertEquals("Stockholm", value(r, "2001:db8:1::5", "city", "names", "en"));
        assertEquals(-1, r.lookup(InetAddress.getByName("81.2.70.1")));
        assertEquals(-1, r.lookup(InetAddress.getByName("2001:db9::1")));
        assertNull(value(r, "81.2.69.1", "city", "names", "fr"));
        assertNull(value(r, "81.2.69.1", "country", "iso_code", "deeper"), "a string has no keys");
    }

    @Test
    void anIpv4TreeAnswersIpv4AndRefusesIpv6() throws Exception {
        MmdbReader r = read(new MmdbWriter("GeoLite2-ASN", 4, 24)
                .insert("1.128.0.0/11", Map.of("autonomous_system_number", 1221,
                        "autonomous_system_organization", "Telstra Pty Ltd")));
        assertEquals("1221", value(r, "1.128.0.1", "autonomous_system_number"));
        assertEquals(-1, r.lookup(InetAddress.getByName("1.0.0.1")));
        assertThrows(MmdbException.class, () -> r.lookup(InetAddress.getByName("::1")));
    }

    @Test
    void headerValuesAreStringsNonZeroUint32sAndBooleans() throws Exception {
        Map<String, Object> rec = new LinkedHashMap<>();
        rec.put("is_anonymous", true);
        rec.put("is_tor_exit_node", false);
        rec.put("asn", 0);
        rec.put("u16", new MmdbWriter.Uint16(7));
        rec.put("double", 1.5);
        MmdbReader r = read(new MmdbWriter("GeoIP2-Anonymous-IP", 6, 28).insert("::1.2.3.0/120", rec));
        assertEquals("true", value(r, "1.2.3.4", "is_anonymous"));
        assertEquals("false", value(r, "1.2.3.4", "is_tor_exit_node"));
        assertNull(value(r, "1.2.3.4", "asn"), "Envoy writes no header for a zero uint32");
        assertNull(value(r, "1.2.3.4", "u16"), "Envoy reads uint32s only");
        assertNull(value(r, "1.2.3.4", "double"));
    }

    @Test
    void everyDataTypeDecodes() throws Exception {
        Map<String, Object> rec = new LinkedHashMap<>();
        rec.put("utf8", "grüße");
        rec.put("double", -2.25);
        rec.put("float", 1.5f);
        rec.put("bytes", new byte[]{1, 2, 3});
        rec.put("uint16", new MmdbWriter.Uint16(65535));
        rec.put("uint32", (int) 4_000_000_000L);
        rec.put("int32", new MmdbWriter.Int32(-5));
        rec.put("int32pos", new MmdbWriter.Int32(300));
        rec.put("uint64", Long.MAX_VALUE);
        rec.put("uint128", BigInteger.ONE.shiftLeft(127).add(BigInteger.TEN));
        rec.put("bool", true);
        rec.put("array", List.of("a", List.of(), Map.of()));
        rec.put("long string", "x".repeat(70000));
        MmdbReader r = read(new MmdbWriter("Decoder-Test", 6, 24).insert("::/8", rec));
        @SuppressWarnings("unchecked")
        Map<String, Object> got = (Map<String, Object>) r.decode(r.lookup(InetAddress.getByName("10.0.0.1")));
        assertEquals("grüße", got.get("utf8"));
        assertEquals(-2.25, got.get("double"));
        assertEquals(1.5f, got.get("float"));
        assertArrayEquals(new byte[]{1, 2, 3}, (byte[]) got.get("bytes"));
        assertEquals(65535, got.get("uint16"));
        assertEquals(4_000_000_000L, got.get("uint32"));
        assertEquals(-5, got.get("int32"));
        assertEquals(300, got.get("int32pos"));
        assertEquals(Long.MAX_VALUE, got.get("uint64"));
        assertEquals(BigInteger.ONE.shiftLeft(127).add(BigInteger.TEN), got.get("uint128"));
        assertEquals(true, got.get("bool"));
        assertEquals(List.of("a", List.of(), Map.of()), got.get("array"));
        assertEquals(70000, ((String) got.get("long string")).length());
        assertEquals(2L, ((Number) r.metadata().get("binary_format_major_version")).longValue());
        assertEquals(1_700_000_000L, r.buildEpoch());
    }

    @Test
    void pointersOfEverySizeAreFollowed() throws Exception {
        // Repeated strings become pointers to their first copy: small offsets use the 1-byte form,
        // past 2048 the 2-byte one, past 526336 the 3-byte one; longPointers forces the 4-byte form.
        for (boolean longForm : new boolean[]{false, true}) {
            MmdbWriter w = new MmdbWriter("Pointers", 6, 32);
            if (longForm) {
                w.longPointers();
            }
            w.insert("10.0.0.0/24", Map.of("name", "first"));
            w.insert("10.0.1.0/24", Map.of("pad", new byte[3000], "name", "second"));
            w.insert("10.0.2.0/24", Map.of("pad2", new byte[530_000], "name", "third"));
            w.insert("10.1.0.0/24", Map.of("name", "first"));
            w.insert("10.1.1.0/24", Map.of("name", "second"));
            w.insert("10.1.2.0/24", Map.of("name", "third"));
            MmdbReader r = read(w);
            for (String[] c : new String[][]{{"10.1.0.1", "first"}, {"10.1.1.1", "second"}, {"10.1.2.1", "third"}}) {
                assertEquals(c[1], value(r, c[0], "name"), c[0] + " long=" + longForm);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {28, 32})
    void recordsAboveTwentyFourBitsUseTheWiderForms(int recordSize) throws Exception {
        // A record past 2^24 needs the 28-bit form's high nibbles (or 32 bits).
        MmdbReader r = read(new MmdbWriter("Wide", 4, recordSize)
                .insert("10.0.0.0/8", Map.of("pad", new byte[17_000_000]))
                .insert("11.0.0.0/8", Map.of("name", "far")));
        assertEquals("far", value(r, "11.2.3.4", "name"));
        assertThrows(IllegalStateException.class, () -> new MmdbWriter("Wide", 4, 24)
                .insert("10.0.0.0/8", Map.of("pad", new byte[17_000_000]))
                .insert("11.0.0.0/8", Map.of("name", "far")).build());
    }

    @Test
    void filesThatAreNotDatabasesAreRefusedOnOpen() throws Exception {
        assertThrows(MmdbException.class, () -> MmdbReader.of(ByteBuffer.wrap("not a database".getBytes())));
        byte[] good = new MmdbWriter("T", 6, 24).insert("::/64", Map.of("a", "b")).build();
        // Cut the search tree short: the node count no longer fits before the metadata.
        byte[] cut = new byte[good.length - 60];
        System.arraycopy(good, 60, cut, 0, cut.length);
        assertThrows(MmdbException.class, () -> MmdbReader.of(ByteBuffer.wrap(cut)));
    }

    @Test
    void corruptRecordsAndPointersAreLookupErrorsNotCrashes() throws Exception {
        MmdbWriter w = new MmdbWriter("T", 4, 24).insert("0.0.0.0/1", Map.of("a", "bbbb"));
        byte[] db = w.build();
        MmdbReader ok = MmdbReader.of(ByteBuffer.wrap(db.clone()));
        assertEquals("bbbb", value(ok, "1.1.1.1", "a"));
        int dataStart = (int) ok.nodeCount() * 6 + 16;
        // The value's string becomes a pointer far outside the data section.
        byte[] badPointer = db.clone();
        int at = indexOf(badPointer, new byte[]{0x44, 'b', 'b', 'b', 'b'}, dataStart);
        System.arraycopy(new byte[]{0x38, 0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF}, 0, badPointer, at, 5);
        MmdbReader r1 = MmdbReader.of(ByteBuffer.wrap(badPointer));
        assertThrows(MmdbException.class, () -> value(r1, "1.1.1.1", "a"));
        // The root's left record points past the data section.
        byte[] badRecord = db.clone();
        badRecord[0] = (byte) 0xFF;
        badRecord[1] = (byte) 0xFF;
        badRecord[2] = (byte) 0xF0;
        MmdbReader r2 = MmdbReader.of(ByteBuffer.wrap(badRecord));
        assertThrows(MmdbException.class, () -> r2.lookup(InetAddress.getByName("1.1.1.1")));
        // A type that may not appear in data (12, the data cache container) in place of the map.
        byte[] badType = db.clone();
        badType[dataStart] = 0x01;
        badType[dataStart + 1] = 0x05;
        MmdbReader r3 = MmdbReader.of(ByteBuffer.wrap(badType));
        assertThrows(MmdbException.class, () -> r3.decode(r3.lookup(InetAddress.getByName("1.1.1.1"))));
    }

    @Test
    void randomDamageOnlyEverThrowsMmdbException() throws Exception {
        byte[] good = new MmdbWriter("GeoIP2-City", 6, 28).insert("81.2.69.0/24", city("GB", "London"))
                .insert("2001:db8::/32", city("SE", "Stockholm")).build();
        Random random = new Random(42);
        int opened = 0;
        for (int round = 0; round < 3000; round++) {
            byte[] b = good.clone();
            for (int i = 0; i < 1 + random.nextInt(4); i++) {
                b[random.nextInt(b.length)] = (byte) random.nextInt(256);
            }
            try {
                MmdbReader r = MmdbReader.of(ByteBuffer.wrap(b));
                opened++;
                for (String ip : new String[]{"81.2.69.1", "2001:db8::1", "8.8.8.8"}) {
                    try {
                        int rec = r.lookup(InetAddress.getByName(ip));
                        if (rec >= 0) {
                            r.value(rec, new MmdbPath("city", "names", "en"));
                            r.value(rec, new MmdbPath("subdivisions", "0", "iso_code"));
                            r.decode(rec);
                        }
                    } catch (MmdbException expected) {
                        // damage found at lookup time
                    }
                }
            } catch (MmdbException expected) {
                // damage found on open
            }
        }
        assertTrue(opened > 0, "some damaged files still open (damage in the data)");
    }

    private static int indexOf(byte[] b, byte[] pattern, int from) {
        outer:
        for (int i = from; i <= b.length - pattern.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (b[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("pattern not found");
    }
}
