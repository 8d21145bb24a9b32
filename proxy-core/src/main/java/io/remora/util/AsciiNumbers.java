package io.remora.util;

import io.netty.util.AsciiString;

/**
 * Header values for numbers the proxy writes on every request (x-envoy-upstream-service-time,
 * x-envoy-expected-rq-timeout-ms, x-envoy-attempt-count): {@code headers.setLong} would make a
 * new String each time. Small values come from a table filled as they are first asked for; larger
 * ones (route timeouts, which a few routes share) from a small direct-mapped memo. Both are shared
 * by all threads without locks: an AsciiString's fields are final, so a racing reader sees either
 * null, an older entry or a whole one, and a miss only costs the allocation it replaces.
 */
public final class AsciiNumbers {

    private static final int SMALL = 1024;
    private static final AsciiString[] SMALL_VALUES = new AsciiString[SMALL];
    private static final int MEMO_SLOTS = 64;
    private static final Entry[] MEMO = new Entry[MEMO_SLOTS];

    private record Entry(long value, AsciiString text) {
    }

    private AsciiNumbers() {
    }

    /** {@code v} in decimal, as a header value. */
    public static AsciiString of(long v) {
        if (v >= 0 && v < SMALL) {
            AsciiString s = SMALL_VALUES[(int) v];
            if (s == null) {
                s = new AsciiString(Long.toString(v));
                SMALL_VALUES[(int) v] = s;
            }
            return s;
        }
        int slot = (int) (v ^ (v >>> 17) ^ (v >>> 32)) & (MEMO_SLOTS - 1);
        Entry e = MEMO[slot];
        if (e == null || e.value != v) {
            e = new Entry(v, new AsciiString(Long.toString(v)));
            MEMO[slot] = e;
        }
        return e.text;
    }
}
