package io.remora.listener;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * tls_inspector's JA3 hash against Envoy's own cases (test/extensions/filters/listener/
 * tls_inspector/tls_inspector_test.cc, ConnectionJA3Hash*): each ClientHello is built from its JA3
 * text the way Envoy's test utility (generateClientHelloFromJA3Fingerprint) builds it
 * ({@link InspectorTestSupport#clientHelloOfJa3}), and the expected hashes were computed by hand
 * with {@code printf %s '<JA3 text>' | md5sum}: the MD5 of the text, as Envoy's test expects.
 */
class Ja3FingerprintTest {

    static final String CURL = InspectorTestSupport.CURL_7_64_JA3;

    @Test
    void hashesAsEnvoyDoes() {
        assertEquals(InspectorTestSupport.CURL_7_64_JA3_HASH, ja3(hello(CURL)));
        // TLS 1.1, point formats 0-1-2 (ConnectionJA3HashTls11).
        assertEquals("01bc5f3721ec68286a6e40396a1a47fe",
                ja3(hello("770,49162-49172-49161-49171-57-56-51-50-53-47-255,0-11-10-16-22-23,5,0-1-2")));
        // Neither curves nor point formats: empty fields (ConnectionJA3HashNoEllipticCurvesOrPointFormats).
        assertEquals("ffcafd825b1eef6a7abdd30c2cdfee9a",
                ja3(hello("771,157-49313-49309-156-49312-49308-61-60-53-47-255,0-35-16-22-23-13,,")));
        // TLS 1.0 without extensions (ConnectionJA3HashTls10NoExtensions).
        assertEquals("06207a1730b5deeb207b0556e102ded2", ja3(hello("769,49162-49157-49161-49156-49159-49154-"
                + "49160-49155-49172-49167-49171-49166-49169-49164-49170-49165-57-51-53-47-5-4-10,,,")));
    }

    @Test
    void greaseCiphersAndExtensionsAreLeftOut() {
        // Envoy's ConnectionJA3HashGREASE: every GREASE value but 0xFAFA before the ciphers and
        // before the extensions hashes as the hello without them.
        StringBuilder grease = new StringBuilder();
        for (int v = 0x0a0a; v < 0xfafa; v += 0x1010) {
            grease.append(grease.isEmpty() ? "" : "-").append(v);
        }
        String[] f = CURL.split(",", -1);
        String greased = f[0] + "," + grease + "-" + f[1] + "," + grease + "-" + f[2] + "," + f[3] + "," + f[4];
        assertEquals(InspectorTestSupport.CURL_7_64_JA3_HASH, ja3(hello(greased)));
    }

    @Test
    void greaseCurvesAreKeptAsEnvoyKeepsThem() throws Exception {
        // Envoy's writeEllipticCurves has no GREASE check (its ciphers and extensions do).
        String text = "771,4865-4866,0-10-11,2570-29-23,0";
        assertEquals(md5(text), ja3(hello(text)));
        assertTrue(Ja3Fingerprint.grease(0x2a2a) && Ja3Fingerprint.grease(0xfafa));
        assertFalse(Ja3Fingerprint.grease(0x0a0b) || Ja3Fingerprint.grease(0x1a2a) || Ja3Fingerprint.grease(29));
    }

    @Test
    void onlyWhenAskedAndOfARealHello() throws Exception {
        byte[] hello = InspectorTestSupport.clientHello("api.example.com", "h2");
        assertNull(TlsInspector.inspect(Unpooled.wrappedBuffer(hello)).ja3Hash(), "off: nothing computed");
        String hash = ja3(hello);
        assertTrue(hash.matches("[0-9a-f]{32}"), hash);
        TlsInspector.Result r = TlsInspector.inspect(Unpooled.wrappedBuffer(hello), true);
        assertEquals("api.example.com", r.serverName(), "SNI and ALPN as without the fingerprint");
        // Any strict prefix still asks for more, with no hash yet.
        TlsInspector.Result part = TlsInspector.inspect(Unpooled.wrappedBuffer(hello, 0, hello.length - 1), true);
        assertEquals(TlsInspector.Status.NEED_MORE, part.status());
        assertNull(part.ja3Hash());
    }

    private static String ja3(byte[] hello) {
        ByteBuf buf = Unpooled.wrappedBuffer(hello);
        TlsInspector.Result r = TlsInspector.inspect(buf, true);
        assertEquals(TlsInspector.Status.TLS, r.status());
        assertEquals(0, buf.readerIndex());
        return r.ja3Hash();
    }

    private static byte[] hello(String ja3) {
        return InspectorTestSupport.clientHelloOfJa3(ja3);
    }

    private static String md5(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.US_ASCII)));
    }
}
