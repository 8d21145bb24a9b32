package io.remora.http;

import io.netty.util.AsciiString;

/** The comparisons a {@link HeaderBlock} makes on header names (HTTP/2 lower-case, ASCII only). */
final class HeaderNames {
    private HeaderNames() {
    }

    /** Whether two names are the same header: ASCII case-insensitive, the cheap checks first. */
    static boolean same(CharSequence a, CharSequence b) {
        if (a == b) {
            return true;
        }
        int n = a.length();
        if (n != b.length()) {
            return false;
        }
        if (a instanceof AsciiString x && b instanceof AsciiString y) {
            byte[] xa = x.array();
            byte[] ya = y.array();
            int xo = x.arrayOffset();
            int yo = y.arrayOffset();
            for (int i = 0; i < n; i++) {
                byte c = xa[xo + i];
                byte d = ya[yo + i];
                if (c != d && lower(c) != lower(d)) {
                    return false;
                }
            }
            return true;
        }
        for (int i = 0; i < n; i++) {
            char c = a.charAt(i);
            char d = b.charAt(i);
            if (c != d && lower(c) != lower(d)) {
                return false;
            }
        }
        return true;
    }

    private static int lower(int c) {
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    }

    static boolean isPseudo(CharSequence name) {
        return name.length() > 0 && name.charAt(0) == ':';
    }
}
