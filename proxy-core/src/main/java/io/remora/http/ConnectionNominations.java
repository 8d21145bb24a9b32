package io.remora.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;

import java.util.Iterator;

/**
 * What Envoy's HTTP/1 codec refuses in a request's Connection header before it drops the headers
 * it names (Utility::sanitizeConnectionHeader, for a request that is no upgrade): ten tokens or
 * more, a nominated x-forwarded-for, -host or -proto or pseudo-header (dropping it would hide
 * where the request came from), or a nominated TE of 256 bytes or more.
 */
final class ConnectionNominations {

    private static final int MAX_TOKENS = 10;
    private static final int MAX_TE_LENGTH = 256;

    private ConnectionNominations() {
    }

    /** Whether the Connection headers of {@code headers} (joined, as Envoy's header map holds them) pass. */
    static boolean acceptable(Http2Headers headers) {
        Iterator<CharSequence> values = headers.valueIterator(Http1Headers.CONNECTION);
        CharSequence only = values.hasNext() ? values.next() : null;
        if (only == null || (!values.hasNext() && (AsciiString.contentEqualsIgnoreCase(only, "keep-alive")
                || AsciiString.contentEqualsIgnoreCase(only, "close")))) {
            return true; // nearly every client: one bare token, nothing nominated
        }
        int tokens = 0;
        for (CharSequence v = only; v != null; v = values.hasNext() ? values.next() : null) {
            int n = v.length();
            int start = 0;
            while (start <= n) {
                int comma = AsciiString.indexOf(v, ',', start);
                int end = comma < 0 ? n : comma;
                if (end > start) { // empty tokens are not counted, blank ones are
                    if (++tokens >= MAX_TOKENS || !acceptableToken(headers, v.subSequence(start, end).toString().trim())) {
                        return false;
                    }
                }
                start = end + 1;
            }
        }
        return true;
    }

    private static boolean acceptableToken(Http2Headers headers, String token) {
        if (token.startsWith(":")) {
            return false;
        }
        String name = token.toLowerCase(java.util.Locale.ROOT);
        switch (name) {
            case "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto":
                return false;
            case "te": {
                CharSequence te = headers.get(HttpHeaderNames.TE);
                return te == null || te.length() < MAX_TE_LENGTH;
            }
            default:
                return true;
        }
    }
}
