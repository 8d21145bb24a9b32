package io.remora.http;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/**
 * Envoy's {@code PercentEncoding::encode} for {@code grpc-message}: control characters, '~' and
 * above (so DEL and every byte past ASCII) and '%' become %XX; the rest stays.
 */
public final class PercentEncoding {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private PercentEncoding() {
    }

    /** A message given as text, encoded from its UTF-8 bytes; returned as it is when nothing needs escaping. */
    public static String grpcMessage(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (escaped(s.charAt(i))) {
                return encode(s.getBytes(StandardCharsets.UTF_8));
            }
        }
        return s;
    }

    /** A message given as the bytes of a body (its readable part). */
    public static String grpcMessage(ByteBuf body) {
        byte[] bytes = new byte[body.readableBytes()];
        body.getBytes(body.readerIndex(), bytes);
        return encode(bytes);
    }

    private static boolean escaped(int c) {
        return c < 0x20 || c >= 0x7e || c == '%';
    }

    private static String encode(byte[] bytes) {
        StringBuilder sb = new StringBuilder(bytes.length + 16);
        for (byte b : bytes) {
            int c = b & 0xff;
            if (escaped(c)) {
                sb.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
            } else {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }
}
