package io.remora.extensions.filters.common;

/** absl::SimpleAtoi for the untrusted numbers filters read from request headers. */
public final class Numbers {

    /** Returned for anything that is not a number in range. */
    public static final long INVALID = Long.MIN_VALUE;

    private Numbers() {
    }

    /**
     * A signed decimal with optional surrounding ASCII whitespace and one optional sign, or
     * {@link #INVALID} (also on overflow).
     */
    public static long simpleAtoi(CharSequence s) {
        if (s == null) {
            return INVALID;
        }
        int from = 0;
        int to = s.length();
        while (from < to && isSpace(s.charAt(from))) {
            from++;
        }
        while (to > from && isSpace(s.charAt(to - 1))) {
            to--;
        }
        boolean negative = false;
        if (from < to && (s.charAt(from) == '+' || s.charAt(from) == '-')) {
            negative = s.charAt(from) == '-';
            from++;
        }
        if (from == to) {
            return INVALID;
        }
        long v = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return INVALID;
            }
            if (v > (Long.MAX_VALUE - (c - '0')) / 10) {
                return INVALID;
            }
            v = v * 10 + (c - '0');
        }
        return negative ? -v : v;
    }

    /** An unsigned value that fits in {@code bits} bits (32 for uint32), or {@link #INVALID}. */
    public static long unsigned(CharSequence s, int bits) {
        long v = simpleAtoi(s);
        if (v == INVALID || v < 0 || bits < 63 && v >= 1L << bits) {
            return INVALID;
        }
        return v;
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0b;
    }
}
