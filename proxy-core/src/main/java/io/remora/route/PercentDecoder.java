package io.remora.route;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Envoy's {@code PercentEncoding::decode}: each valid "%XX" becomes its byte, anything else
 * (a malformed '%', '+') is kept as is, and the bytes are read as UTF-8. Header values from the
 * codecs are byte strings (one char per byte), so chars up to 0xFF are taken as raw bytes.
 */
final class PercentDecoder {

    private PercentDecoder() {
    }

    /** {@code s[from, to)} decoded; any CharSequence (a header value), read in place. */
    static String decode(CharSequence s, int from, int to) {
        boolean plain = true;
        for (int i = from; i < to && plain; i++) {
            char c = s.charAt(i);
            plain = c != '%' && c < 0x80;
        }
        if (plain) {
            return s instanceof String str ? str.substring(from, to) : s.subSequence(from, to).toString();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(to - from);
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < to) {
                int hi = hex(s.charAt(i + 1));
                int lo = hex(s.charAt(i + 2));
                if (hi >= 0 && lo >= 0) {
                    out.write((hi << 4) | lo);
                    i += 2;
                    continue;
                }
            }
            if (c <= 0xFF) {
                out.write(c);
            } else {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static int hex(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }
}
