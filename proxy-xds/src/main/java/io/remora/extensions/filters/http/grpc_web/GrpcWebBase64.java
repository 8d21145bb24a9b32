package io.remora.extensions.filters.http.grpc_web;

import io.netty.buffer.ByteBuf;

import java.util.Arrays;

/**
 * Standard base64 straight between buffers, as strict as Envoy's {@code Base64::decode}: only the
 * alphabet, padding only at the very end of what is decoded at once (one or two '='), and no stray
 * bits in the last character. Netty's decoder skips white space and is not usable here.
 */
final class GrpcWebBase64 {

    private static final byte[] ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".getBytes(
                    java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] REVERSE = new byte[256];

    static {
        Arrays.fill(REVERSE, (byte) -1);
        for (int i = 0; i < ALPHABET.length; i++) {
            REVERSE[ALPHABET[i]] = (byte) i;
        }
    }

    private GrpcWebBase64() {
    }

    /**
     * Decodes {@code len} bytes (a multiple of 4, more than 0) of {@code src} from its reader index
     * into {@code dst}; false when they are not valid base64 (then {@code dst} holds garbage).
     */
    static boolean decode(ByteBuf src, int len, ByteBuf dst) {
        int from = src.readerIndex();
        int n = len;
        if (src.getByte(from + n - 1) == '=') {
            n--;
            if (src.getByte(from + n - 1) == '=') {
                n--;
            }
        }
        dst.ensureWritable(n / 4 * 3 + 2);
        int acc = 0;
        for (int i = 0; i < n; i++) {
            int v = REVERSE[src.getByte(from + i) & 0xff];
            if (v < 0) {
                return false;
            }
            acc = acc << 6 | v;
            if ((i & 3) == 3) {
                dst.writeMedium(acc);
                acc = 0;
            }
        }
        switch (n & 3) {
            case 0 -> {
                return true;
            }
            case 2 -> {
                // 12 bits for one byte: the last 4 must be zero.
                dst.writeByte(acc >> 4);
                return (acc & 0xf) == 0;
            }
            case 3 -> {
                dst.writeShort(acc >> 2);
                return (acc & 0x3) == 0;
            }
            default -> {
                return false; // one character cannot carry a byte
            }
        }
    }

    /** Encodes {@code len} bytes of {@code src} at {@code index}, padded, onto {@code dst}. */
    static void encode(ByteBuf src, int index, int len, ByteBuf dst) {
        dst.ensureWritable((len + 2) / 3 * 4);
        int end = index + len;
        int i = index;
        for (; i + 3 <= end; i += 3) {
            int v = src.getUnsignedMedium(i);
            dst.writeByte(ALPHABET[v >>> 18]).writeByte(ALPHABET[(v >>> 12) & 0x3f])
                    .writeByte(ALPHABET[(v >>> 6) & 0x3f]).writeByte(ALPHABET[v & 0x3f]);
        }
        int rest = end - i;
        if (rest == 1) {
            int v = src.getUnsignedByte(i);
            dst.writeByte(ALPHABET[v >>> 2]).writeByte(ALPHABET[(v & 0x3) << 4]).writeByte('=').writeByte('=');
        } else if (rest == 2) {
            int v = src.getUnsignedShort(i);
            dst.writeByte(ALPHABET[v >>> 10]).writeByte(ALPHABET[(v >>> 4) & 0x3f])
                    .writeByte(ALPHABET[(v & 0xf) << 2]).writeByte('=');
        }
    }
}
