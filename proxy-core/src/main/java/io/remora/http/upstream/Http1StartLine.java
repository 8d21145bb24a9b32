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
    /** Every code a status line may carry, shared: a response's status allocates nothing. */
    private static final AsciiString[] STATUS = new AsciiString[1000];

    static {
        for (int i = 0; i < STATUS.length; i++) {
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

    /**
     * HTTP-version SP status-code [ SP reason-phrase ], read as Envoy's BalsaFrame reads it
     * (ParseHTTPFirstLine, Envoy's policy: no sanitize_firstline_spaces): parts are runs of bytes
     * above SP, separated by runs of whitespace; the version is any "HTTP/" DIGIT "." DIGIT
     * (BalsaParser's isVersionValid), taken as HTTP/1.0 unless it is HTTP/1.1 (isHttp11); the code is
     * the part's number, leading zeros and all (absl::SimpleAtoi), whatever its value: Balsa checks
     * no range and neither does Envoy's codec or router, so "099", "600" or "1000" are final
     * responses passed on (a code past an int is refused here, where Balsa takes up to a size_t).
     */
    static String statusLine(Http1Head head, byte[] b, int end) {
        int last = Http1FieldLines.lineEnd(b, end);
        int v = 0;
        while (v < last && (b[v] & 0xff) > ' ') {
            v++;
        }
        if (!responseVersion(head, b, v)) {
            return CODEC_ERROR;
        }
        int s = separator(b, v, last);
        if (s <= v || s == last) {
            return CODEC_ERROR; // no whitespace after the version, or no code
        }
        long code = 0;
        int i = s;
        for (; i < last && (b[i] & 0xff) > ' '; i++) {
            int d = b[i] - '0';
            if (d < 0 || d > 9) {
                return CODEC_ERROR;
            }
            code = Math.min(code * 10 + d, Integer.MAX_VALUE + 1L); // saturates past an int
        }
        if (code > Integer.MAX_VALUE) {
            return CODEC_ERROR;
        }
        for (; i < last; i++) {
            int c = b[i] & 0xff;
            if ((c < ' ' && c != '\t' && c != '\r') || c == 0x7f) {
                return CODEC_ERROR; // BalsaFrame's invalid characters, the status line's too
            }
        }
        head.status = (int) code;
        head.statusText = code < STATUS.length ? STATUS[(int) code] : new AsciiString(Long.toString(code));
        return null;
    }

    /** "HTTP/" DIGIT "." DIGIT in {@code [0, to)}: HTTP/1.1 is 1.1, any other version 1.0 (Envoy's isHttp11). */
    private static boolean responseVersion(Http1Head head, byte[] b, int to) {
        if (to != 8 || b[0] != 'H' || b[1] != 'T' || b[2] != 'T' || b[3] != 'P' || b[4] != '/' || !digit(b[5])
                || b[6] != '.' || !digit(b[7])) {
            return false;
        }
        head.minorVersion = b[5] == '1' && b[7] == '1' ? 1 : 0;
        return true;
    }

    /** Envoy's (Balsa's) methods beyond the common ones: the rest need allow_custom_methods. */
    private static final java.util.Set<String> OTHER_METHODS = java.util.Set.of("ACL", "BIND", "CHECKOUT", "COPY",
            "LINK", "LOCK", "MERGE", "MKACTIVITY", "MKCALENDAR", "MKCOL", "MOVE", "MSEARCH", "NOTIFY", "PROPFIND",
            "PROPPATCH", "PURGE", "REBIND", "REPORT", "SEARCH", "SOURCE", "SUBSCRIBE", "UNBIND", "UNLINK", "UNLOCK",
            "UNSUBSCRIBE");

    /** Whether the parser accepts {@code method} without allow_custom_methods (case-sensitive, as Envoy). */
    /** The first letters of the methods Envoy's parser knows (BalsaParser's isFirstCharacterOfValidMethod). */
    static boolean methodStart(byte b) {
        return switch (b) {
            case 'A', 'B', 'C', 'D', 'G', 'H', 'L', 'M', 'N', 'O', 'P', 'R', 'S', 'T', 'U' -> true;
            default -> false;
        };
    }

    static boolean knownMethod(AsciiString method) {
        for (AsciiString m : METHODS) {
            if (m == method) {
                return true; // method() hands out the shared constant for the common ones
            }
        }
        return OTHER_METHODS.contains(method.toString());
    }

    /**
     * A status line {@link #statusLine} accepted: its reason phrase (the third part to the last
     * byte above SP, as Balsa's whitespace_4), as sent; empty when there is none.
     */
    static AsciiString reasonPhrase(byte[] b, int end) {
        int last = Http1FieldLines.lineEnd(b, end);
        while (last > 0 && (b[last - 1] & 0xff) <= ' ') {
            last--;
        }
        int i = 0;
        for (int part = 0; part < 2; part++) {
            while (i < last && (b[i] & 0xff) > ' ') {
                i++;
            }
            while (i < last && (b[i] & 0xff) <= ' ') {
                i++;
            }
        }
        return i < last ? new AsciiString(b, i, last - i, true) : AsciiString.EMPTY_STRING;
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
