package io.remora.extensions.geoip_providers.maxmind;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The MaxMind DB data section format over one section of a (mapped) file: every read is checked
 * against the section's end, so a corrupt file throws {@link MmdbException} and never reads past
 * it. Only absolute reads: one decoder serves every event loop at once.
 *
 * <p>A field's header is packed in a long (type 8 bits, size 25 bits, payload offset 31 bits) so
 * walking a record allocates nothing.
 */
final class MmdbDecoder {
    static final int POINTER = 1;
    static final int UTF8 = 2;
    static final int DOUBLE = 3;
    static final int BYTES = 4;
    static final int UINT16 = 5;
    static final int UINT32 = 6;
    static final int MAP = 7;
    static final int INT32 = 8;
    static final int UINT64 = 9;
    static final int UINT128 = 10;
    static final int ARRAY = 11;
    static final int BOOLEAN = 14;
    static final int FLOAT = 15;
    /** libmaxminddb's bound on nesting: deeper data is treated as corrupt rather than recursed into. */
    private static final int MAX_DEPTH = 512;

    private final ByteBuffer buf;
    private final int base;
    private final int limit;

    /** Pointers are offsets from {@code base}; nothing at or past {@code limit} is read. */
    MmdbDecoder(ByteBuffer buf, int base, int limit) {
        this.buf = buf;
        this.base = base;
        this.limit = limit;
    }

    int base() {
        return base;
    }

    int limit() {
        return limit;
    }

    static int type(long header) {
        return (int) (header >>> 56);
    }

    static int size(long header) {
        return (int) ((header >>> 31) & 0x1FFFFFF);
    }

    static int payload(long header) {
        return (int) (header & 0x7FFFFFFF);
    }

    int u8(int at) throws MmdbException {
        if (at < base || at >= limit) {
            throw new MmdbException("read at " + at + " outside the section [" + base + ", " + limit + ")");
        }
        return buf.get(at) & 0xFF;
    }

    /** An unsigned big-endian integer of {@code n} (0..8) bytes. */
    long uint(int at, int n) throws MmdbException {
        checkRange(at, n);
        long v = 0;
        for (int i = 0; i < n; i++) {
            v = (v << 8) | (buf.get(at + i) & 0xFF);
        }
        return v;
    }

    private void checkRange(int at, int n) throws MmdbException {
        if (at < base || n < 0 || (long) at + n > limit) {
            throw new MmdbException(n + " bytes at " + at + " run past the section's end " + limit);
        }
    }

    /** The header of the field at {@code at}: its type, size and where its payload starts. */
    long header(int at) throws MmdbException {
        int ctrl = u8(at);
        int type = ctrl >>> 5;
        int p = at + 1;
        if (type == POINTER) {
            int ss = (ctrl >>> 3) & 3;
            return pack(POINTER, ss + 1, p);
        }
        if (type == 0) {
            type = 7 + u8(p++);
            if (type < 8) {
                throw new MmdbException("extended type " + type + " at " + at);
            }
        }
        int size = ctrl & 0x1F;
        if (size == 29) {
            size = 29 + u8(p);
            p += 1;
        } else if (size == 30) {
            size = 285 + (int) uint(p, 2);
            p += 2;
        } else if (size == 31) {
            size = 65821 + (int) uint(p, 3);
            p += 3;
        }
        return pack(type, size, p);
    }

    private static long pack(int type, int size, int payload) {
        return ((long) type << 56) | ((long) size << 31) | payload;
    }

    /** The section offset a pointer field at {@code at} names, resolved to an absolute offset. */
    private int pointerTarget(int at, long header) throws MmdbException {
        int ctrl = u8(at);
        int vvv = ctrl & 7;
        int p = payload(header);
        long target = switch (size(header)) {
            case 1 -> ((long) vvv << 8) | uint(p, 1);
            case 2 -> (((long) vvv << 16) | uint(p, 2)) + 2048;
            case 3 -> (((long) vvv << 24) | uint(p, 3)) + 526336;
            default -> uint(p, 4);
        };
        long abs = base + target;
        if (abs >= limit) {
            throw new MmdbException("pointer at " + at + " to " + target + " past the section's end");
        }
        return (int) abs;
    }

    /** {@code at}, or where the pointer at {@code at} points; a pointer to a pointer is corrupt. */
    int resolve(int at) throws MmdbException {
        long h = header(at);
        if (type(h) != POINTER) {
            return at;
        }
        int target = pointerTarget(at, h);
        if (type(header(target)) == POINTER) {
            throw new MmdbException("pointer at " + at + " points to another pointer");
        }
        return target;
    }

    /** The offset just after the field at {@code at} (a pointer is not followed). */
    int skip(int at) throws MmdbException {
        return skip(at, 0);
    }

    private int skip(int at, int depth) throws MmdbException {
        if (depth > MAX_DEPTH) {
            throw new MmdbException("data nested deeper than " + MAX_DEPTH + " at " + at);
        }
        long h = header(at);
        int size = size(h);
        int p = payload(h);
        switch (type(h)) {
            case MAP -> {
                for (int i = 0; i < size; i++) {
                    p = skip(skip(p, depth + 1), depth + 1);
                }
                return p;
            }
            case ARRAY -> {
                for (int i = 0; i < size; i++) {
                    p = skip(p, depth + 1);
                }
                return p;
            }
            case BOOLEAN -> {
                checkSize(h, at, 1);
                return p;
            }
            default -> {
                checkScalar(h, at);
                checkRange(p, size);
                return p + size;
            }
        }
    }

    private static void checkSize(long h, int at, int max) throws MmdbException {
        if (size(h) > max) {
            throw new MmdbException("type " + type(h) + " of size " + size(h) + " at " + at);
        }
    }

    private static void checkScalar(long h, int at) throws MmdbException {
        switch (type(h)) {
            case POINTER, UTF8, BYTES -> {
            }
            case DOUBLE -> exact(h, at, 8);
            case FLOAT -> exact(h, at, 4);
            case UINT16 -> checkSize(h, at, 2);
            case UINT32, INT32 -> checkSize(h, at, 4);
            case UINT64 -> checkSize(h, at, 8);
            case UINT128 -> checkSize(h, at, 16);
            default -> throw new MmdbException("type " + type(h) + " is not valid in data, at " + at);
        }
    }

    private static void exact(long h, int at, int n) throws MmdbException {
        if (size(h) != n) {
            throw new MmdbException("type " + type(h) + " of size " + size(h) + " at " + at + " (must be " + n + ")");
        }
    }

    /**
     * The offset of the value a lookup path names (map keys, array indexes as for libmaxminddb's
     * MMDB_aget_value), pointers followed; -1 when the data has no such value.
     */
    int find(int at, MmdbPath path) throws MmdbException {
        int cur = resolve(at);
        for (int e = 0; e < path.length(); e++) {
            long h = header(cur);
            int size = size(h);
            int p = payload(h);
            if (type(h) == MAP) {
                int value = -1;
                for (int i = 0; i < size && value < 0; i++) {
                    int valueAt = skip(p);
                    if (keyEquals(p, path.key(e))) {
                        value = valueAt;
                    } else {
                        p = skip(valueAt);
                    }
                }
                if (value < 0) {
                    return -1;
                }
                cur = resolve(value);
            } else if (type(h) == ARRAY) {
                int index = path.index(e);
                if (index < 0 || index >= size) {
                    return -1;
                }
                for (int i = 0; i < index; i++) {
                    p = skip(p);
                }
                cur = resolve(p);
            } else {
                return -1;
            }
        }
        return cur;
    }

    private boolean keyEquals(int at, byte[] key) throws MmdbException {
        long h = header(resolve(at));
        if (type(h) != UTF8) {
            throw new MmdbException("map key at " + at + " is of type " + type(h));
        }
        int size = size(h);
        int p = payload(h);
        checkRange(p, size);
        if (size != key.length) {
            return false;
        }
        for (int i = 0; i < size; i++) {
            if (buf.get(p + i) != key[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * The value at {@code at} as Envoy's MaxMind provider writes it to a header: a UTF-8 string as
     * is, a non-zero uint32 in decimal, a boolean as true/false; null for anything else.
     */
    String headerValue(int at) throws MmdbException {
        long h = header(at);
        int size = size(h);
        int p = payload(h);
        switch (type(h)) {
            case UTF8 -> {
                return string(p, size);
            }
            case UINT32 -> {
                checkSize(h, at, 4);
                long v = uint(p, size);
                return v > 0 ? Long.toString(v) : null;
            }
            case BOOLEAN -> {
                checkSize(h, at, 1);
                return size == 1 ? "true" : "false";
            }
            default -> {
                return null;
            }
        }
    }

    private String string(int p, int size) throws MmdbException {
        checkRange(p, size);
        byte[] b = new byte[size];
        buf.get(p, b);
        return new String(b, StandardCharsets.UTF_8);
    }

    /**
     * The whole value at {@code at} as Java objects: maps (insertion order), lists, String, Integer
     * (uint16, int32), Long (uint32, uint64 below 2^63), BigInteger (larger uint64, uint128), Double,
     * Float, Boolean, byte[]. For metadata and for inspecting a database.
     */
    Object decode(int at) throws MmdbException {
        return decode(at, 0);
    }

    private Object decode(int at, int depth) throws MmdbException {
        if (depth > MAX_DEPTH) {
            throw new MmdbException("data nested deeper than " + MAX_DEPTH + " at " + at);
        }
        at = resolve(at);
        long h = header(at);
        int size = size(h);
        int p = payload(h);
        int type = type(h);
        if (type != MAP && type != ARRAY && type != BOOLEAN) {
            checkScalar(h, at);
        }
        switch (type) {
            case UTF8 -> {
                return string(p, size);
            }
            case DOUBLE -> {
                return Double.longBitsToDouble(uint(p, 8));
            }
            case FLOAT -> {
                return Float.intBitsToFloat((int) uint(p, 4));
            }
            case BYTES -> {
                checkRange(p, size);
                byte[] b = new byte[size];
                buf.get(p, b);
                return b;
            }
            case UINT16 -> {
                return (int) uint(p, size);
            }
            case UINT32 -> {
                return uint(p, size);
            }
            case INT32 -> {
                // Shorter than 4 bytes is always positive; 4 bytes is two's complement.
                return (int) uint(p, size);
            }
            case UINT64, UINT128 -> {
                checkRange(p, size);
                byte[] b = new byte[size + 1];
                buf.get(p, b, 1, size);
                BigInteger v = new BigInteger(b);
                return v.bitLength() < 64 ? (Object) v.longValue() : v;
            }
            case BOOLEAN -> {
                checkSize(h, at, 1);
                return size == 1;
            }
            case MAP -> {
                Map<String, Object> m = new LinkedHashMap<>();
                for (int i = 0; i < size; i++) {
                    Object key = decode(p, depth + 1);
                    if (!(key instanceof String k)) {
                        throw new MmdbException("map key at " + p + " is not a string");
                    }
                    p = skip(p);
                    m.put(k, decode(p, depth + 1));
                    p = skip(p);
                }
                return m;
            }
            case ARRAY -> {
                List<Object> l = new ArrayList<>(Math.min(size, 1024));
                for (int i = 0; i < size; i++) {
                    l.add(decode(p, depth + 1));
                    p = skip(p);
                }
                return l;
            }
            default -> throw new MmdbException("type " + type + " is not valid in data, at " + at);
        }
    }
}
