package io.remora.http.upstream;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.util.AsciiString;

/**
 * What the framing and connection-management fields of an HTTP/1.1 head say (content-length,
 * transfer-encoding, connection, proxy-connection, expect, upgrade), noted on the {@link Http1Head} as the parser
 * passes them, with Envoy's codec's refusals (RFC 9112 6.1, 6.3).
 */
final class Http1FieldNotes {

    private static final String CODEC_ERROR = "http1.codec_error";

    private Http1FieldNotes() {
    }

    /** What the framing and connection-management headers say, noted as they pass. */
    static String note(Http1Head head, AsciiString name, AsciiString value) {
        if (name == HttpHeaderNames.CONTENT_LENGTH) {
            long n = digits(value);
            if (n < 0 || head.contentLengths > 0) {
                // RFC 9112 6.3: an invalid length is unrecoverable. A second one, even equal, is
                // refused either way too: Envoy's BalsaParser sets disallow_multiple_content_length.
                return CODEC_ERROR;
            }
            head.contentLengths++;
            head.contentLength = n;
        } else if (name == HttpHeaderNames.TRANSFER_ENCODING) {
            head.transferEncodings++;
            head.teChunked = AsciiString.contentEqualsIgnoreCase(value, CHUNKED);
        } else if (name == HttpHeaderNames.CONNECTION) {
            connectionTokens(head, value);
        } else if (name == HttpHeaderNames.PROXY_CONNECTION && hasClose(value)) {
            // Envoy's shouldCloseConnection honours it, both ways, "since http-parser did".
            head.connectionClose = true;
            head.proxyConnectionClose = true;
        } else if (name == HttpHeaderNames.EXPECT) {
            head.expectContinue |= AsciiString.contentEqualsIgnoreCase(value, CONTINUE);
        } else if (name == HttpHeaderNames.UPGRADE && head.upgrade == null) {
            head.upgrade = value;
        } else if (name == HttpHeaderNames.HOST && head.request && !io.remora.http.Authority.valid(value)) {
            return io.remora.http.Authority.INVALID; // Envoy's codec: 400, then the connection closes
        }
        return null;
    }

    private static final AsciiString CHUNKED = AsciiString.cached("chunked");
    private static final AsciiString CONTINUE = AsciiString.cached("100-continue");

    private static void connectionTokens(Http1Head head, AsciiString value) {
        // Nearly every peer sends one bare token: matched whole, without the list scan.
        if (value.contentEqualsIgnoreCase(HttpHeaderValues.KEEP_ALIVE)) {
            head.connectionKeepAlive = true;
            return;
        }
        if (value.contentEqualsIgnoreCase(HttpHeaderValues.CLOSE)) {
            head.connectionClose = true;
            return;
        }
        int n = value.length();
        int start = 0;
        while (start < n) {
            int comma = value.indexOf(',', start);
            int end = comma < 0 ? n : comma;
            int s = start;
            int e = end;
            while (s < e && (value.charAt(s) == ' ' || value.charAt(s) == '\t')) {
                s++;
            }
            while (e > s && (value.charAt(e - 1) == ' ' || value.charAt(e - 1) == '\t')) {
                e--;
            }
            if (regionIs(value, s, e, "close")) {
                head.connectionClose = true;
            } else if (regionIs(value, s, e, "keep-alive")) {
                head.connectionKeepAlive = true;
            } else if (regionIs(value, s, e, "upgrade")) {
                head.connectionUpgrade = true;
            }
            start = end + 1;
        }
    }

    /** Whether a comma-separated list holds the token "close" (any case, whitespace around it). */
    private static boolean hasClose(AsciiString value) {
        int n = value.length();
        for (int start = 0; start < n; ) {
            int comma = value.indexOf(',', start);
            int e = comma < 0 ? n : comma;
            int s = start;
            while (s < e && (value.charAt(s) == ' ' || value.charAt(s) == '\t')) {
                s++;
            }
            while (e > s && (value.charAt(e - 1) == ' ' || value.charAt(e - 1) == '\t')) {
                e--;
            }
            if (regionIs(value, s, e, "close")) {
                return true;
            }
            start = (comma < 0 ? n : comma) + 1;
        }
        return false;
    }

    private static boolean regionIs(AsciiString v, int s, int e, String token) {
        return e - s == token.length() && v.regionMatches(true, s, token, 0, e - s);
    }

    /**
     * A content-length's digits, or -1: signs, spaces and lists are not a length (BalsaFrame's
     * ProcessContentLengthLine). Leading zeros are any number, as Balsa counts value, not digits;
     * its bound is a size_t, ours a long, so a length past 2^63-1 is refused.
     */
    private static long digits(AsciiString v) {
        int n = v.length();
        if (n == 0) {
            return -1;
        }
        long x = 0;
        for (int i = 0; i < n; i++) {
            int d = v.byteAt(i) - '0';
            if (d < 0 || d > 9 || x > (Long.MAX_VALUE - d) / 10) {
                return -1;
            }
            x = x * 10 + d;
        }
        return x;
    }
}
