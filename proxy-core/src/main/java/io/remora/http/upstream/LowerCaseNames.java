package io.remora.http.upstream;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.util.AsciiString;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;

/**
 * Lower-case header names for the internal (HTTP/2-style) form. HTTP/1.1 peers send
 * {@code Host}, {@code Content-Type}, ...: lower-casing each cost a new {@link AsciiString} and
 * its bytes per header per message. The names Netty knows ({@link HttpHeaderNames}) are looked up
 * in a fixed table by their case-insensitive hash instead; other names are lower-cased as before.
 */
public final class LowerCaseNames {

    private static final AsciiString[] TABLE;
    private static final int MASK;

    static {
        java.util.List<AsciiString> names = new java.util.ArrayList<>();
        for (Field f : HttpHeaderNames.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == AsciiString.class) {
                try {
                    names.add((AsciiString) f.get(null));
                } catch (IllegalAccessException e) {
                    throw new ExceptionInInitializerError(e);
                }
            }
        }
        int size = Integer.highestOneBit(names.size() * 4 - 1) << 1;
        AsciiString[] table = new AsciiString[size];
        for (AsciiString n : names) {
            int i = AsciiString.hashCode(n) & (size - 1);
            while (table[i] != null && !table[i].contentEquals(n)) {
                i = (i + 1) & (size - 1);
            }
            table[i] = n;
        }
        TABLE = table;
        MASK = size - 1;
    }

    private LowerCaseNames() {
    }

    /** {@code name} in lower case; a shared constant for the names Netty knows. */
    public static AsciiString of(CharSequence name) {
        AsciiString known = known(name);
        return known != null ? known : AsciiString.of(name).toLowerCase();
    }

    /**
     * As {@link #known(CharSequence)} for a name in {@code b[off, off + len)}: the parser's names,
     * looked up without an object for them.
     */
    public static AsciiString known(byte[] b, int off, int len) {
        for (int i = io.netty.util.internal.PlatformDependent.hashCodeAscii(b, off, len) & MASK; TABLE[i] != null; i = (i + 1) & MASK) {
            if (Http1FieldLines.sameBytes(TABLE[i], b, off, len, true)) {
                return TABLE[i];
            }
        }
        return null;
    }

    /**
     * The shared constant for a name Netty knows, in any case, or null. AsciiString's static hash
     * and comparison ignore case and take any CharSequence: a decoded String is not copied.
     */
    public static AsciiString known(CharSequence name) {
        for (int i = AsciiString.hashCode(name) & MASK; TABLE[i] != null; i = (i + 1) & MASK) {
            if (AsciiString.contentEqualsIgnoreCase(TABLE[i], name)) {
                return TABLE[i];
            }
        }
        return null;
    }
}
