package io.remora.listener;

import io.netty.buffer.ByteBuf;

/**
 * Envoy's {@code http_inspector}: tells HTTP/1.x from the HTTP/2 prior-knowledge preface by
 * peeking at the first bytes. Yields "h2c", "http/1.1", "http/1.0", or null (not HTTP).
 */
public final class HttpInspector {
    private static final byte[] H2_PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    /** Envoy gives up after this many bytes without a request line. */
    static final int MAX_INSPECT = 64 * 1024;
    /** Marker for "need more bytes". */
    public static final String NEED_MORE = new String("need-more");

    private HttpInspector() {
    }

    /** The detected protocol, null when not HTTP, or {@link #NEED_MORE}. Indexes are untouched. */
    public static String inspect(ByteBuf buf) {
        int r = buf.readerIndex();
        int n = buf.readableBytes();
        boolean prefacePrefix = true;
        for (int i = 0; i < Math.min(n, H2_PREFACE.length); i++) {
            if (buf.getByte(r + i) != H2_PREFACE[i]) {
                prefacePrefix = false;
                break;
            }
        }
        if (prefacePrefix) {
            return n >= H2_PREFACE.length ? "h2c" : NEED_MORE;
        }
        int eol = -1;
        for (int i = 0; i < n; i++) {
            if (buf.getByte(r + i) == '\n') {
                eol = i;
                break;
            }
        }
        if (eol < 0) {
            return n >= MAX_INSPECT ? null : (looksLikeMethodStart(buf, r, n) ? NEED_MORE : null);
        }
        int lineEnd = eol > 0 && buf.getByte(r + eol - 1) == '\r' ? eol - 1 : eol;
        // METHOD SP target SP HTTP/1.x
        int sp1 = -1;
        int sp2 = -1;
        for (int i = 0; i < lineEnd; i++) {
            if (buf.getByte(r + i) == ' ') {
                if (sp1 < 0) {
                    sp1 = i;
                } else {
                    sp2 = i;
                }
            }
        }
        if (sp1 <= 0 || sp2 <= sp1 + 1 || lineEnd - sp2 - 1 != 8) {
            return null;
        }
        String version = buf.toString(r + sp2 + 1, 8, java.nio.charset.StandardCharsets.US_ASCII);
        return switch (version) {
            case "HTTP/1.1" -> "http/1.1";
            case "HTTP/1.0" -> "http/1.0";
            default -> null;
        };
    }

    private static boolean looksLikeMethodStart(ByteBuf buf, int r, int n) {
        for (int i = 0; i < n; i++) {
            byte c = buf.getByte(r + i);
            if (c == ' ') {
                return i > 0;
            }
            if (c < 'A' || c > 'Z') {
                return c != '-' ? false : true;
            }
        }
        return true;
    }
}
