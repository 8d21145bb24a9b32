package io.remora.http.upstream;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.util.AsciiString;

/**
 * The start line of an HTTP/1.1 head (RFC 9112 3, 4), checked as Envoy's parser checks it:
 * the request line's method, target and version, or the status line's version and code, noted
 * on the {@link Http1Head}. The field lines after it are {@link Http1FieldLines}'.
 * Each method answers null, or the response code details of what is wrong (400).
 */
final class Http1StartLine {

    private static final String CODEC_ERROR = "http1.codec_error";
    private static final AsciiString[] METHODS = {
            HttpMethod.GET.asciiName(), HttpMethod.POST.asciiName(), HttpMethod.PUT.asciiName(),
            HttpMethod.HEAD.asciiName(), HttpMethod.DELETE.asciiName(), HttpMethod.OPTIONS.asciiName(),
            HttpMethod.PATCH.asciiName(), HttpMethod.CONNECT.asciiName(), HttpMethod.TRACE.asciiName()};
    private static final AsciiString[] STATUS = new AsciiString[600];

    static {
        for (int i = 100; i < STATUS.length; i++) {
            STATUS[i] = AsciiString.cached(Integer.toString(i));
        }
    }

    private Http1StartLine() {
    }

    /** method SP request-target SP HTTP-version, ending at {@code end} (after its LF). */
    static String requestLine(Http1Head head, byte[] b, int end) {
        // As BalsaParser's ParseHTTPFirstLine: three runs of bytes above SP, separated by runs of
        // bytes up to SP, trailing ones ignored.
        int last = Http1FieldLines.lineEnd(b, end);
        while (last > 0 && (b[last - 1] & 0xff) <= ' ') {
            last--;
        }
        int i = 0;
        while (i < last && (b[i] & 0xff) > ' ') {
            if (!io.remora.http.HttpTokens.tchar(b[i] & 0xff)) {
                return CODEC_ERROR;
            }
            i++;
        }
        if (i == 0 || i == last) {
            return CODEC_ERROR;
        }
        head.method = method(b, i);
        int t = separator(b, i, last);
        if (t < 0) {
            return CODEC_ERROR;
        }
        int sp = t;
        while (sp < last && (b[sp] & 0xff) > ' ') {
            if (b[sp] == 0x7f) {
                return CODEC_ERROR; // no URL character; Http1Parser reports it as the control it is
            }
            sp++;
        }
        // The request-target's characters are judged with the request (Http1Headers.validate).
        head.target = new AsciiString(b, t, sp - t, false);
        if (sp == last) {
            // No version: HTTP/0.9, which Envoy's parser takes as HTTP/1.0 (426 unless accept_http_10).
            head.minorVersion = 0;
            return null;
        }
        int v = separator(b, sp, last);
        return v >= 0 && requestVersion(head, b, v, last) ? null : CODEC_ERROR;
    }

    /**
     * Skips the separator at {@code from}: where the next part starts, or -1 when it holds a
     * control character other than HT and CR (BalsaParser's invalid characters).
     */
    private static int separator(byte[] b, int from, int last) {
        int i = from;
        while (i < last && (b[i] & 0xff) <= ' ') {
            if (!Http1FieldLines.whitespace(b[i])) {
                return -1;
            }
            i++;
        }
        return i;
    }


    /**
     * "HTTP/" DIGIT "." DIGIT, as Envoy's BalsaParser accepts (isVersionValid); anything but
     * HTTP/1.1 is then taken as HTTP/1.0 (its codec's isHttp11), so HTTP/0.9, /1.2 or /2.0 get
     * the connection manager's 426 unless accept_http_10.
     */
    private static boolean requestVersion(Http1Head head, byte[] b, int from, int to) {
        if (to - from != 8 || b[from] != 'H' || b[from + 1] != 'T' || b[from + 2] != 'T' || b[from + 3] != 'P'
                || b[from + 4] != '/' || !digit(b[from + 5]) || b[from + 6] != '.' || !digit(b[from + 7])) {
            return false;
        }
        head.minorVersion = b[from + 5] == '1' && b[from + 7] == '1' ? 1 : 0;
        return true;
    }

    private static boolean digit(byte c) {
        return c >= '0' && c <= '9';
    }

    /** HTTP-version SP status-code SP [ reason-phrase ], each separator one whitespace byte. */
    static String statusLine(Http1Head head, byte[] b, int end) {
        int lineEnd = Http1FieldLines.lineEnd(b, end);
        if (lineEnd < 12 || !version(head, b, 0, 8) || !Http1FieldLines.whitespace(b[8])) {
            return CODEC_ERROR;
        }
        int code = 0;
        for (int i = 9; i < 12; i++) {
            int d = b[i] - '0';
            if (d < 0 || d > 9) {
                return CODEC_ERROR;
            }
            code = code * 10 + d;
        }
        if (code < 100 || (lineEnd > 12 && !Http1FieldLines.whitespace(b[12]))) {
            return CODEC_ERROR;
        }
        head.status = code;
        head.statusText = code < STATUS.length ? STATUS[code] : new AsciiString(b, 9, 3, false);
        return null;
    }

    /** HTTP/1.1 or HTTP/1.0 exactly, in {@code [from, to)}. */
    private static boolean version(Http1Head head, byte[] b, int from, int to) {
        if (to - from != 8 || b[from] != 'H' || b[from + 1] != 'T' || b[from + 2] != 'T' || b[from + 3] != 'P'
                || b[from + 4] != '/' || b[from + 5] != '1' || b[from + 6] != '.') {
            return false;
        }
        byte minor = b[from + 7];
        if (minor != '0' && minor != '1') {
            return false;
        }
        head.minorVersion = minor - '0';
        return true;
    }

    /** Envoy's (Balsa's) methods beyond the common ones: the rest need allow_custom_methods. */
    private static final java.util.Set<String> OTHER_METHODS = java.util.Set.of("ACL", "BIND", "CHECKOUT", "COPY",
            "LINK", "LOCK", "MERGE", "MKACTIVITY", "MKCALENDAR", "MKCOL", "MOVE", "MSEARCH", "NOTIFY", "PROPFIND",
            "PROPPATCH", "PURGE", "REBIND", "REPORT", "SEARCH", "SOURCE", "SUBSCRIBE", "UNBIND", "UNLINK", "UNLOCK",
            "UNSUBSCRIBE");

    /** Whether the parser accepts {@code method} without allow_custom_methods (case-sensitive, as Envoy). */
    static boolean knownMethod(AsciiString method) {
        for (AsciiString m : METHODS) {
            if (m == method) {
                return true; // method() hands out the shared constant for the common ones
            }
        }
        return OTHER_METHODS.contains(method.toString());
    }

    /** A status line's reason phrase (after "HTTP/1.1 200 "), as sent; empty when there is none. */
    static AsciiString reasonPhrase(byte[] b, int end) {
        int lineEnd = Http1FieldLines.lineEnd(b, end);
        return lineEnd > 13 ? new AsciiString(b, 13, lineEnd - 13, true) : AsciiString.EMPTY_STRING;
    }

    private static AsciiString method(byte[] b, int len) {
        for (AsciiString m : METHODS) {
            if (m.length() == len && Http1FieldLines.sameBytes(m, b, 0, len, false)) {
                return m;
            }
        }
        return new AsciiString(b, 0, len, false);
    }
}
