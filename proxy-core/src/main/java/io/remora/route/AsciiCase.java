package io.remora.route;

/**
 * ASCII-only case folding over {@link CharSequence}s, as Envoy's {@code absl::AsciiStrToLower}:
 * host names and header names are compared without allocating a lower-cased copy.
 */
final class AsciiCase {

    private AsciiCase() {
    }

    static char lower(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
    }

    static String lower(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                StringBuilder b = new StringBuilder(s.length());
                for (int j = 0; j < s.length(); j++) {
                    b.append(lower(s.charAt(j)));
                }
                return b.toString();
            }
        }
        return s;
    }

    /** Whether {@code s[from, from + key.length())} equals {@code key}, folding ASCII case. */
    static boolean regionEqualsIgnoreCase(CharSequence s, int from, String key) {
        if (from < 0 || from + key.length() > s.length()) {
            return false;
        }
        for (int i = 0; i < key.length(); i++) {
            char a = s.charAt(from + i);
            char b = key.charAt(i);
            if (a != b && lower(a) != lower(b)) {
                return false;
            }
        }
        return true;
    }

    static boolean regionEquals(CharSequence s, int from, String key) {
        if (from < 0 || from + key.length() > s.length()) {
            return false;
        }
        for (int i = 0; i < key.length(); i++) {
            if (s.charAt(from + i) != key.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
