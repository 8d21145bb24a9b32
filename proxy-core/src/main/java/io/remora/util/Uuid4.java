package io.remora.util;

import java.util.concurrent.ThreadLocalRandom;

/**
 * A random (version 4) UUID as a header value: the 36 lower-case characters of its text form
 * ({@code xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx}) read straight from its two longs. The
 * connection manager makes one for every request without x-request-id; as an AsciiString it
 * took a 36-byte array besides, and the String most readers never ask for. Immutable, so a
 * header map, an access log and an HPACK table may all keep it.
 */
public final class Uuid4 implements CharSequence {

    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private static final int LENGTH = 36;

    private final long hi;
    private final long lo;

    private Uuid4(long hi, long lo) {
        this.hi = hi;
        this.lo = lo;
    }

    /**
     * A new random id: the version nibble 4 and the RFC 4122 variant bits set, 122 random bits
     * from the thread's generator (request ids are identifiers, not secrets: Envoy's are not
     * cryptographic either).
     */
    public static Uuid4 random() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long hi = (r.nextLong() & 0xffffffffffff0fffL) | 0x0000000000004000L;
        long lo = (r.nextLong() & 0x3fffffffffffffffL) | 0x8000000000000000L;
        return new Uuid4(hi, lo);
    }

    @Override
    public int length() {
        return LENGTH;
    }

    @Override
    public char charAt(int index) {
        // Text positions: 0-7, 9-12, 14-17 are hi's 16 nibbles; 19-22, 24-35 are lo's; dashes between.
        if (index < 0 || index >= LENGTH) {
            throw new IndexOutOfBoundsException(index);
        }
        if (index == 8 || index == 13 || index == 18 || index == 23) {
            return '-';
        }
        int nibble = index < 8 ? index : index < 13 ? index - 1 : index < 18 ? index - 2
                : index < 23 ? index - 3 : index - 4; // 0..31 over hi then lo
        long v = nibble < 16 ? hi : lo;
        return HEX[(int) (v >>> (60 - 4 * (nibble & 15))) & 0xf];
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        return toString().substring(start, end);
    }

    @Override
    public String toString() {
        char[] c = new char[LENGTH];
        for (int i = 0; i < LENGTH; i++) {
            c[i] = charAt(i);
        }
        return new String(c);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Uuid4 u && u.hi == hi && u.lo == lo;
    }

    /** The hash of its text, as String's: equal texts hash alike whichever type holds them. */
    @Override
    public int hashCode() {
        int h = 0;
        for (int i = 0; i < LENGTH; i++) {
            h = 31 * h + charAt(i);
        }
        return h;
    }
}
