package io.remora.http;

/**
 * Which request authorities (Host, :authority) Envoy's codecs accept: its check_authority_h1_h2,
 * RFC 3986's host and port characters with '%' and '@'. Anything else is refused before a filter
 * sees the request, with the details {@link #INVALID}.
 */
public final class Authority {

    /** Envoy's response code details for a refused authority. */
    public static final String INVALID = "http.invalid_authority";

    /** The characters allowed, a bit each for 0..63 and 64..127; none above. */
    private static final long LOW = bits("!$%&'()*+,-.0123456789:;=", 0);
    private static final long HIGH = bits("@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]_abcdefghijklmnopqrstuvwxyz~", 64);

    private Authority() {
    }

    private static long bits(String chars, int base) {
        long b = 0;
        for (int i = 0; i < chars.length(); i++) {
            b |= 1L << (chars.charAt(i) - base);
        }
        return b;
    }

    /** Whether Envoy accepts {@code v} as an authority (an empty one included, as Envoy does). */
    public static boolean valid(CharSequence v) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            long set = c < 64 ? LOW : c < 128 ? HIGH : 0;
            if ((set & (1L << c)) == 0) {
                return false;
            }
        }
        return true;
    }
}
