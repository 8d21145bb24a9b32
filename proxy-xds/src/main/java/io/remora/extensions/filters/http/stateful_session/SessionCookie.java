package io.remora.extensions.filters.http.stateful_session;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The value a cookie-based session keeps, before base64: Envoy's {@code envoy.Cookie} message
 * (source/extensions/http/stateful_session/cookie/cookie.proto: {@code string address = 1;
 * int64 expires = 2;}, expires in seconds of the monotonic clock, set only with a ttl), which
 * Envoy writes by default (runtime guard {@code stateful_session_encode_ttl_in_cookie}); a value
 * that does not parse as that message is the older plain "ip:port".
 */
final class SessionCookie {

    private SessionCookie() {
    }

    /** Seconds of the monotonic clock (CLOCK_MONOTONIC on Linux, as Envoy's monotonicTime()). */
    static long nowSeconds() {
        return System.nanoTime() / 1_000_000_000L;
    }

    /** The message for {@code address}; {@code expires} 0 leaves the field out. */
    static byte[] encode(String address, long expires) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(address.length() + 16);
        byte[] a = address.getBytes(StandardCharsets.UTF_8);
        if (a.length > 0) {
            out.write(0x0a);
            varint(out, a.length);
            out.writeBytes(a);
        }
        if (expires != 0) {
            out.write(0x10);
            varint(out, expires);
        }
        return out.toByteArray();
    }

    /**
     * The address a decoded cookie names, or null for none: the message's address unless it
     * expired by {@code now}; the bytes themselves when they are not such a message.
     */
    static String address(byte[] decoded, long now) {
        String[] address = {""};
        long[] expires = {0};
        if (!parse(decoded, address, expires)) {
            String plain = new String(decoded, StandardCharsets.UTF_8);
            return plain.isEmpty() ? null : plain;
        }
        if (address[0].isEmpty() || expires[0] != 0 && now > expires[0]) {
            return null;
        }
        return address[0];
    }

    /** Protobuf wire parsing of the two fields, other fields skipped; false where a parser would fail. */
    private static boolean parse(byte[] b, String[] address, long[] expires) {
        int[] pos = {0};
        while (pos[0] < b.length) {
            long tag = readVarint(b, pos);
            if (pos[0] < 0 || tag >>> 3 == 0) {
                return false;
            }
            int field = (int) (tag >>> 3);
            switch ((int) (tag & 7)) {
                case 0 -> {
                    long v = readVarint(b, pos);
                    if (pos[0] < 0) {
                        return false;
                    }
                    if (field == 2) {
                        expires[0] = v;
                    }
                }
                case 1 -> {
                    if (b.length - pos[0] < 8) {
                        return false;
                    }
                    pos[0] += 8;
                }
                case 2 -> {
                    long len = readVarint(b, pos);
                    if (pos[0] < 0 || len < 0 || len > b.length - pos[0]) {
                        return false;
                    }
                    if (field == 1) {
                        String s = utf8(b, pos[0], (int) len);
                        if (s == null) {
                            return false; // proto3 strings must be UTF-8
                        }
                        address[0] = s;
                    }
                    pos[0] += (int) len;
                }
                case 5 -> {
                    if (b.length - pos[0] < 4) {
                        return false;
                    }
                    pos[0] += 4;
                }
                default -> {
                    return false; // groups and undefined wire types
                }
            }
        }
        return true;
    }

    /** The varint at pos[0]; pos[0] set to -1 when it runs off the end or past 10 bytes. */
    private static long readVarint(byte[] b, int[] pos) {
        long v = 0;
        for (int shift = 0, i = pos[0]; shift < 70 && i < b.length; shift += 7, i++) {
            v |= (long) (b[i] & 0x7f) << shift;
            if ((b[i] & 0x80) == 0) {
                pos[0] = i + 1;
                return v;
            }
        }
        pos[0] = -1;
        return -1;
    }

    private static String utf8(byte[] b, int off, int len) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b, off, len)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static void varint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7fL) != 0) {
            out.write((int) (v & 0x7f) | 0x80);
            v >>>= 7;
        }
        out.write((int) v);
    }
}
