package io.remora.extensions.filters.http.cache;

/**
 * A {@code range: bytes=...} request header against a stored body of {@code length} bytes (RFC
 * 9110 §14.1), as Envoy's cache serves it: one satisfiable range is a 206, none satisfiable a 416,
 * anything else (several ranges, a whole-body range, other units, bad syntax) the whole response.
 *
 * @param start first byte, inclusive
 * @param end   last byte, exclusive
 */
record ByteRange(long start, long end) {

    /** No range to serve: the whole body. */
    static final ByteRange WHOLE = new ByteRange(0, -1);
    /** No requested range lies in the body. */
    static final ByteRange UNSATISFIABLE = new ByteRange(-1, -1);

    static ByteRange of(CharSequence header, long length) {
        if (header == null) {
            return WHOLE;
        }
        String h = header.toString().trim();
        if (!h.regionMatches(true, 0, "bytes=", 0, 6) || h.indexOf(',') >= 0) {
            return WHOLE;
        }
        String spec = h.substring(6).trim();
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return WHOLE;
        }
        long first = number(spec.substring(0, dash).trim());
        String lastText = spec.substring(dash + 1).trim();
        long last = lastText.isEmpty() ? Long.MAX_VALUE : number(lastText);
        if (last < 0 || first == -1 && lastText.isEmpty() || first == -2 || first >= 0 && last < first) {
            return WHOLE;
        }
        if (first == -1) {
            // A suffix: the last `last` bytes.
            if (last == 0 || length == 0) {
                return UNSATISFIABLE;
            }
            return last >= length ? WHOLE : new ByteRange(length - last, length);
        }
        if (first >= length) {
            return UNSATISFIABLE;
        }
        if (last >= length - 1) {
            return first == 0 ? WHOLE : new ByteRange(first, length);
        }
        return new ByteRange(first, last + 1);
    }

    /** Digits as a number; -1 for empty, -2 for anything else. */
    private static long number(String s) {
        if (s.isEmpty()) {
            return -1;
        }
        if (s.length() > 18) {
            return -2;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return -2;
            }
        }
        return Long.parseLong(s);
    }
}
