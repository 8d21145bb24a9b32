package io.remora.http;

/** RFC 9110 5.6.2 token characters (tchar), for the codecs' checks of methods and field names. */
public final class HttpTokens {

    private static final boolean[] TCHAR = new boolean[256];

    static {
        for (char c = '0'; c <= '9'; c++) {
            TCHAR[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            TCHAR[c] = true;
            TCHAR[c - 32] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
    }

    private HttpTokens() {
    }

    /** Whether the byte or char {@code c} (0..255 as read; anything above is not) is a tchar. */
    public static boolean tchar(int c) {
        return c < 256 && TCHAR[c];
    }
}
