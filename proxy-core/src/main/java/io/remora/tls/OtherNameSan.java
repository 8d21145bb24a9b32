package io.remora.tls;

import java.math.BigInteger;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An {@code otherName} SAN as the JDK reports it (the DER of {@code SEQUENCE { type-id OID,
 * [0] EXPLICIT value }}, with the [0] twice): its type-id in dotted form and its value as text
 * the way Envoy's {@code generalNameAsString} renders it: strings by their content, booleans as
 * true/false, integers in decimal, object identifiers dotted, anything else as its bytes.
 */
record OtherNameSan(String oid, String value) {

    /** Null when the bytes are not an otherName. */
    static OtherNameSan parse(byte[] der) {
        try {
            int[] p = {0};
            if (der.length < 2 || (der[0] & 0xff) != 0x30 && (der[0] & 0xff) != 0xa0) {
                return null;
            }
            Pem.header(der, p);
            if ((der[p[0]] & 0xff) != 0x06) {
                return null;
            }
            int oidLen = Pem.header(der, p);
            String oid = oid(Arrays.copyOfRange(der, p[0], p[0] + oidLen));
            p[0] += oidLen;
            if (p[0] >= der.length || (der[p[0]] & 0xff) != 0xa0) {
                return new OtherNameSan(oid, "");
            }
            Pem.header(der, p); // [0] EXPLICIT
            if ((der[p[0]] & 0xff) == 0xa0) {
                Pem.header(der, p); // the JDK re-wraps the value it keeps with its [0] tag
            }
            int start = p[0];
            int tag = der[p[0]] & 0xff;
            int len = Pem.header(der, p);
            byte[] content = Arrays.copyOfRange(der, p[0], p[0] + len);
            return new OtherNameSan(oid, value(tag, content, Arrays.copyOfRange(der, start, p[0] + len)));
        } catch (RuntimeException e) {
            return null; // malformed: it matches nothing
        }
    }

    private static String value(int tag, byte[] content, byte[] tlv) {
        return switch (tag) {
            case 0x05 -> ""; // NULL
            case 0x01 -> content.length > 0 && content[0] != 0 ? "true" : "false";
            case 0x02, 0x0a -> new BigInteger(content).toString(); // INTEGER, ENUMERATED
            case 0x06 -> oid(content);
            case 0x03 -> text(Arrays.copyOfRange(content, Math.min(1, content.length), content.length),
                    StandardCharsets.UTF_8); // BIT STRING without its unused-bits count
            case 0x1e -> text(content, StandardCharsets.UTF_16BE); // BMPString
            case 0x1c -> text(content, Charset.forName("UTF-32BE")); // UniversalString
            case 0x30, 0x31 -> text(tlv, StandardCharsets.ISO_8859_1); // SEQUENCE/SET: their encoding
            default -> text(content, StandardCharsets.UTF_8); // the string and time types
        };
    }

    private static String text(byte[] b, Charset cs) {
        return new String(b, cs);
    }

    /** An OBJECT IDENTIFIER's content in dotted form. */
    static String oid(byte[] body) {
        StringBuilder sb = new StringBuilder();
        BigInteger arc = BigInteger.ZERO;
        boolean first = true;
        for (byte b : body) {
            arc = arc.shiftLeft(7).or(BigInteger.valueOf(b & 0x7f));
            if ((b & 0x80) != 0) {
                continue;
            }
            if (first) {
                int x = arc.compareTo(BigInteger.valueOf(80)) >= 0 ? 2 : arc.intValue() / 40;
                sb.append(x).append('.').append(arc.subtract(BigInteger.valueOf(40L * x)));
                first = false;
            } else {
                sb.append('.').append(arc);
            }
            arc = BigInteger.ZERO;
        }
        return sb.toString();
    }
}
