package io.remora.listener;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The JA3 fingerprint of one ClientHello, as Envoy's tls_inspector makes it with
 * {@code enable_ja3_fingerprinting}: {@code SSLVersion,Ciphers,Extensions,EllipticCurves,
 * EllipticCurvePointFormats}, each list's decimal values joined by '-', then the MD5 of that text
 * in lower-case hex. Envoy leaves GREASE values (RFC 8701) out of the ciphers and the extensions
 * only: its curves list keeps them, so this one does too. The supported_groups and
 * ec_point_formats lists are the first such extension's, as BoringSSL's extension lookup finds.
 * Made only when the option is on; {@link TlsInspector} feeds it while it walks the hello.
 */
final class Ja3Fingerprint {
    private static final int SUPPORTED_GROUPS = 10;
    private static final int EC_POINT_FORMATS = 11;

    private final int version;
    private final StringBuilder ciphers = new StringBuilder(128);
    private final StringBuilder extensions = new StringBuilder(64);
    private String curves = "";
    private String pointFormats = "";
    private boolean curvesSeen;
    private boolean pointFormatsSeen;

    /** @param clientVersion the hello's legacy client_version (771 for TLS 1.2 and 1.3 alike) */
    Ja3Fingerprint(int clientVersion) {
        this.version = clientVersion;
    }

    /** The cipher_suites vector's bytes {@code [from, to)}. */
    void ciphers(byte[] b, int from, int to) {
        for (int p = from; p + 2 <= to; p += 2) {
            append(ciphers, u16(b, p), true);
        }
    }

    /** One extension: its type and its data {@code [from, from + len)}. */
    void extension(int type, byte[] b, int from, int len) {
        append(extensions, type, true);
        if (type == SUPPORTED_GROUPS && !curvesSeen) {
            curvesSeen = true;
            // A u16 list length (not checked, as Envoy), then u16 groups up to the data's end.
            StringBuilder sb = new StringBuilder(32);
            for (int p = from + 2; p + 2 <= from + len; p += 2) {
                append(sb, u16(b, p), false);
            }
            curves = sb.toString();
        } else if (type == EC_POINT_FORMATS && !pointFormatsSeen) {
            pointFormatsSeen = true;
            StringBuilder sb = new StringBuilder(8);
            for (int p = from + 1; p < from + len; p++) {
                append(sb, b[p] & 0xff, false);
            }
            pointFormats = sb.toString();
        }
    }

    /** The JA3 text, e.g. {@code 771,4865-4866,0-10-11,29-23,0}. */
    String text() {
        return version + "," + ciphers + "," + extensions + "," + curves + "," + pointFormats;
    }

    /** MD5 of {@link #text()}, 32 lower-case hex digits: what Envoy stores as the connection's JA3 hash. */
    String hash() {
        try {
            byte[] md5 = MessageDigest.getInstance("MD5")
                    .digest(text().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(md5);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has MD5", e);
        }
    }

    /** RFC 8701's reserved values: 0x0A0A, 0x1A1A, ..., 0xFAFA. */
    static boolean grease(int v) {
        return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
    }

    private static void append(StringBuilder sb, int v, boolean skipGrease) {
        if (skipGrease && grease(v)) {
            return;
        }
        if (!sb.isEmpty()) {
            sb.append('-');
        }
        sb.append(v);
    }

    private static int u16(byte[] b, int p) {
        return ((b[p] & 0xff) << 8) | (b[p + 1] & 0xff);
    }
}
