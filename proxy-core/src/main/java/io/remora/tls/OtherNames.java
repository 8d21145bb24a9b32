package io.remora.tls;

import java.math.BigInteger;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The text of an otherName SAN as Envoy's generalNameAsString gives it: the value's string for
 * the string and time types, "true"/"false", an integer's decimal, an OID's dotted form, the raw
 * bytes of bit and octet strings, the whole encoding of a SET or SEQUENCE, "" otherwise. Reads the
 * DER the JDK hands out for an otherName: SEQUENCE { type-id OID, [0] EXPLICIT value }, the [0]
 * doubled.
 */
final class OtherNames {
    private OtherNames() {
    }

    static String text(byte[] der) {
        try {
            int[] outer = tlv(der, 0);
            int p = outer[1];
            int[] typeId = tlv(der, p); // the OID naming the kind of name: Envoy prints only the value
            p = typeId[1] + typeId[2];
            if ((der[p] & 0xff) != 0xa0) {
                return "";
            }
            // The JDK re-wraps the [0] it read in another [0]: unwrap every layer down to the value.
            while ((der[p] & 0xff) == 0xa0) {
                p = tlv(der, p)[1];
            }
            return value(der, p);
        } catch (RuntimeException e) {
            return ""; // malformed: as Envoy, an empty name
        }
    }

    /** {tag offset, content offset, content length} of the TLV at {@code at}. */
    private static int[] tlv(byte[] d, int at) {
        int len = d[at + 1] & 0xff;
        int content = at + 2;
        if (len > 0x7f) {
            int n = len & 0x7f;
            len = 0;
            for (int k = 0; k < n; k++) {
                len = (len << 8) | (d[content + k] & 0xff);
            }
            content += n;
        }
        if (content + len > d.length) {
            throw new IllegalArgumentException("truncated");
        }
        return new int[] {at, content, len};
    }

    private static String value(byte[] d, int at) {
        int[] v = tlv(d, at);
        byte[] c = Arrays.copyOfRange(d, v[1], v[1] + v[2]);
        return switch (d[at] & 0xff) {
            case 0x01 -> c.length > 0 && c[0] != 0 ? "true" : "false";
            case 0x02, 0x0a -> new BigInteger(c).toString();
            case 0x06 -> oidText(c);
            case 0x03 -> new String(c, 1, Math.max(0, c.length - 1), StandardCharsets.ISO_8859_1);
            case 0x04 -> new String(c, StandardCharsets.ISO_8859_1);
            case 0x0c, 0x13, 0x14, 0x16, 0x17, 0x18, 0x1a, 0x1b -> new String(c, StandardCharsets.UTF_8);
            case 0x1e -> new String(c, StandardCharsets.UTF_16BE);
            case 0x1c -> new String(c, Charset.forName("UTF-32BE"));
            case 0x30, 0x31 -> new String(d, at, v[1] + v[2] - at, StandardCharsets.ISO_8859_1);
            default -> "";
        };
    }

    /** An OBJECT IDENTIFIER's content octets in dotted form. */
    static String oidText(byte[] c) {
        StringBuilder sb = new StringBuilder();
        long acc = 0;
        boolean first = true;
        for (byte b : c) {
            acc = (acc << 7) | (b & 0x7f);
            if ((b & 0x80) == 0) {
                if (first) {
                    long top = Math.min(acc / 40, 2);
                    sb.append(top).append('.').append(acc - top * 40);
                    first = false;
                } else {
                    sb.append('.').append(acc);
                }
                acc = 0;
            }
        }
        return sb.toString();
    }
}
