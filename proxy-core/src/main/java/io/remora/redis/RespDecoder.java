package io.remora.redis;

import io.netty.buffer.ByteBuf;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads RESP2 values from a cumulated buffer (Envoy's {@code DecoderImpl}): {@code +}, {@code -},
 * {@code :}, {@code $} (length -1: null), {@code *} (length -1: null). A value is first scanned
 * without allocating, so a partial one costs nothing but the scan until its last byte arrives.
 * Anything else (inline commands included, as in Envoy) is a protocol error.
 */
public final class RespDecoder {
    /** Nesting deeper than this is refused rather than followed down the stack. */
    private static final int MAX_DEPTH = 256;

    private RespDecoder() {
    }

    /**
     * The next complete value, consuming its bytes; null (nothing consumed) when it is not all
     * there yet.
     *
     * @throws RespProtocolException when the bytes are not RESP
     */
    public static RespValue decode(ByteBuf in) {
        if (!in.isReadable() || scan(in, in.readerIndex(), 0) < 0) {
            return null;
        }
        return read(in);
    }

    /** The index after the value starting at {@code i}, or -1 when incomplete. */
    private static int scan(ByteBuf in, int i, int depth) {
        if (i >= in.writerIndex()) {
            return -1;
        }
        byte type = in.getByte(i);
        int eol = lineEnd(in, i + 1);
        if (eol < 0) {
            return -1;
        }
        switch (type) {
            case '+', '-' -> {
                return eol + 2;
            }
            case ':' -> {
                number(in, i + 1, eol, true);
                return eol + 2;
            }
            case '$' -> {
                long len = number(in, i + 1, eol, true);
                if (len == -1) {
                    return eol + 2;
                }
                checkLength(len);
                long end = eol + 2 + len + 2;
                if (end > in.writerIndex()) {
                    return -1;
                }
                if (in.getByte((int) end - 2) != '\r' || in.getByte((int) end - 1) != '\n') {
                    throw new RespProtocolException("bulk string not terminated by CRLF");
                }
                return (int) end;
            }
            case '*' -> {
                long n = number(in, i + 1, eol, true);
                if (n == -1) {
                    return eol + 2;
                }
                checkLength(n);
                if (depth >= MAX_DEPTH) {
                    throw new RespProtocolException("arrays nested too deep");
                }
                int at = eol + 2;
                for (long k = 0; k < n; k++) {
                    at = scan(in, at, depth + 1);
                    if (at < 0) {
                        return -1;
                    }
                }
                return at;
            }
            default -> throw new RespProtocolException("invalid RESP type byte " + (type & 0xff));
        }
    }

    private static void checkLength(long len) {
        if (len < 0 || len > Integer.MAX_VALUE - 16) {
            throw new RespProtocolException("invalid length " + len);
        }
    }

    /** The index of the CR ending the line begun at {@code from}; -1 when not there yet. */
    private static int lineEnd(ByteBuf in, int from) {
        int cr = in.indexOf(from, in.writerIndex(), (byte) '\r');
        if (cr < 0 || cr + 1 >= in.writerIndex()) {
            return -1;
        }
        if (in.getByte(cr + 1) != '\n') {
            throw new RespProtocolException("CR not followed by LF");
        }
        return cr;
    }

    private static long number(ByteBuf in, int from, int to, boolean signed) {
        if (from == to) {
            throw new RespProtocolException("empty number");
        }
        boolean negative = signed && in.getByte(from) == '-';
        int i = negative ? from + 1 : from;
        if (i == to || to - i > 19) {
            throw new RespProtocolException("invalid number");
        }
        long v = 0;
        for (; i < to; i++) {
            byte b = in.getByte(i);
            if (b < '0' || b > '9') {
                throw new RespProtocolException("invalid number");
            }
            v = v * 10 + (b - '0');
        }
        return negative ? -v : v;
    }

    /** Reads a value that {@link #scan} found complete. */
    private static RespValue read(ByteBuf in) {
        byte type = in.readByte();
        int eol = lineEnd(in, in.readerIndex());
        switch (type) {
            case '+', '-' -> {
                byte[] b = new byte[eol - in.readerIndex()];
                in.readBytes(b);
                in.skipBytes(2);
                return RespValue.ofType(type == '+' ? RespValue.Type.SIMPLE_STRING : RespValue.Type.ERROR, b);
            }
            case ':' -> {
                long v = number(in, in.readerIndex(), eol, true);
                in.readerIndex(eol + 2);
                return RespValue.integer(v);
            }
            case '$' -> {
                long len = number(in, in.readerIndex(), eol, true);
                in.readerIndex(eol + 2);
                if (len == -1) {
                    return RespValue.NULL;
                }
                byte[] b = new byte[(int) len];
                in.readBytes(b);
                in.skipBytes(2);
                return RespValue.bulk(b);
            }
            default -> {
                long n = number(in, in.readerIndex(), eol, true);
                in.readerIndex(eol + 2);
                if (n == -1) {
                    return RespValue.NULL;
                }
                List<RespValue> values = new ArrayList<>((int) Math.min(n, 1024));
                for (long k = 0; k < n; k++) {
                    values.add(read(in));
                }
                return RespValue.array(values);
            }
        }
    }
}
