package io.remora.redis;

import io.netty.buffer.ByteBuf;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads RESP2 values from a cumulated buffer (Envoy's {@code DecoderImpl}): {@code +}, {@code -},
 * {@code :}, {@code $} (length -1: null), {@code *} (length -1: null). A value is first scanned
 * without allocating, so a partial one costs nothing but the scan until its last byte arrives; the
 * scan resumes where the last read left it (an array of many small elements arriving in pieces is
 * scanned once, not once per read). Anything else (inline commands included, as in Envoy) is a
 * protocol error, and so is a value growing past {@code maxValueBytes}: the proxy holds a value
 * whole before passing it on, so one peer must not be able to make it hold any amount.
 */
public final class RespDecoder {
    /** Nesting deeper than this is refused rather than followed down the stack. */
    private static final int MAX_DEPTH = 256;
    /** What one value may take by default: far above a sidecar's usual values, far below its heap. */
    public static final int DEFAULT_MAX_VALUE_BYTES = 32 * 1024 * 1024;

    private final int maxValueBytes;
    /** Where the scan of the value in progress resumes, from the buffer's reader index. */
    private int offset;
    /** Elements still to come in each open array, outermost first; depth -1: none open. */
    private final long[] remaining = new long[MAX_DEPTH + 1];
    private int depth = -1;
    private boolean started;

    public RespDecoder(int maxValueBytes) {
        this.maxValueBytes = maxValueBytes;
    }

    public RespDecoder() {
        this(DEFAULT_MAX_VALUE_BYTES);
    }

    /**
     * The next complete value, consuming its bytes; null (nothing consumed) when it is not all
     * there yet.
     *
     * @throws RespProtocolException when the bytes are not RESP, or the value is too large
     */
    public RespValue decode(ByteBuf in) {
        if (!in.isReadable() || !scan(in)) {
            if (in.readableBytes() > maxValueBytes) {
                throw new RespProtocolException("value larger than " + maxValueBytes + " bytes");
            }
            return null;
        }
        offset = 0;
        depth = -1;
        started = false;
        return read(in);
    }

    /** Scans on from {@link #offset}; true when the value starting at the reader index is complete. */
    private boolean scan(ByteBuf in) {
        int base = in.readerIndex();
        while (true) {
            while (depth >= 0 && remaining[depth] == 0) {
                depth--;
            }
            if (started && depth < 0) {
                return true;
            }
            int i = base + offset;
            if (i >= in.writerIndex()) {
                return false;
            }
            byte type = in.getByte(i);
            int eol = lineEnd(in, i + 1);
            if (eol < 0) {
                return false;
            }
            long next = eol + 2;
            long arrayLength = 0;
            switch (type) {
                case '+', '-' -> { }
                case ':' -> number(in, i + 1, eol, true);
                case '$' -> {
                    long len = number(in, i + 1, eol, true);
                    if (len != -1) {
                        checkLength(len);
                        next = eol + 2 + len + 2;
                        if (next > in.writerIndex()) {
                            return false;
                        }
                        if (in.getByte((int) next - 2) != '\r' || in.getByte((int) next - 1) != '\n') {
                            throw new RespProtocolException("bulk string not terminated by CRLF");
                        }
                    }
                }
                case '*' -> {
                    long n = number(in, i + 1, eol, true);
                    if (n != -1) {
                        checkLength(n);
                        arrayLength = n;
                    }
                }
                default -> throw new RespProtocolException("invalid RESP type byte " + (type & 0xff));
            }
            if (depth >= 0) {
                remaining[depth]--;
            }
            if (arrayLength > 0) {
                if (depth + 1 >= MAX_DEPTH) {
                    throw new RespProtocolException("arrays nested too deep");
                }
                remaining[++depth] = arrayLength;
            }
            started = true;
            offset = (int) (next - base);
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

    private static void checkLength(long len) {
        if (len < 0 || len > Integer.MAX_VALUE - 16) {
            throw new RespProtocolException("invalid length " + len);
        }
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
