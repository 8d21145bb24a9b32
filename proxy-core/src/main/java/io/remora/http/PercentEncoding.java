package io.remora.http;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/**
 * Envoy's {@code PercentEncoding::encode}: control characters, '~' and above (so DEL and every
 * byte past ASCII) and the reserved characters become %XX; the rest stays. For
 * {@code grpc-message} the reserved character is '%'.
 */
public final class PercentEncoding {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();
    private static final String GRPC_RESERVED = "%";

    private PercentEncoding() {
    }

    /** A message given as text, encoded from its UTF-8 bytes; returned as it is when nothing needs escaping. */
    public static String grpcMessage(String s) {
        return encode(s, GRPC_RESERVED);
    }

    /** {@code s}'s UTF-8 bytes with {@code reserved} (ASCII) escaped too; {@code s} itself when nothing needs escaping. */
    public static String encode(String s, String reserved) {
        for (int i = 0; i < s.length(); i++) {
            if (escaped(s.charAt(i), reserved)) {
                return encode(s.getBytes(StandardCharsets.UTF_8), reserved);
            }
        }
        return s;
    }

    /** A message given as the bytes of a body (its readable part). */
    public static String grpcMessage(ByteBuf body) {
        byte[] bytes = new byte[body.readableBytes()];
        body.getBytes(body.readerIndex(), bytes);
        return encode(bytes, GRPC_RESERVED);
    }

    private static boolean escaped(int c, String reserved) {
        return c < 0x20 || c >= 0x7e || reserved.indexOf(c) >= 0;
    }

    private static String encode(byte[] bytes, String reserved) {
        StringBuilder sb = new StringBuilder(bytes.length + 16);
        for (byte b : bytes) {
            int c = b & 0xff;
            if (escaped(c, reserved)) {
                sb.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
            } else {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }
}
