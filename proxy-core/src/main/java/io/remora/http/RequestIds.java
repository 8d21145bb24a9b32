package io.remora.http;

import io.netty.util.AsciiString;

import java.util.concurrent.ThreadLocalRandom;

/** Random UUID v4 request ids, without SecureRandom or String.format (hot path). */
final class RequestIds {

    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private RequestIds() {
    }

    static AsciiString uuid4() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long hi = (r.nextLong() & 0xffffffffffff0fffL) | 0x0000000000004000L;
        long lo = (r.nextLong() & 0x3fffffffffffffffL) | 0x8000000000000000L;
        byte[] out = new byte[36];
        hex(hi >>> 32, 8, out, 0);
        out[8] = '-';
        hex(hi >>> 16, 4, out, 9);
        out[13] = '-';
        hex(hi, 4, out, 14);
        out[18] = '-';
        hex(lo >>> 48, 4, out, 19);
        out[23] = '-';
        hex(lo, 12, out, 24);
        return new AsciiString(out, false);
    }

    private static void hex(long v, int digits, byte[] out, int off) {
        for (int i = digits - 1; i >= 0; i--) {
            out[off + i] = HEX[(int) (v & 0xf)];
            v >>>= 4;
        }
    }
}
