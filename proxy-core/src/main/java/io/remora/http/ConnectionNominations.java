package io.remora.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.http.upstream.HeaderConversion;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * What Envoy's HTTP/1 server codec does with the headers a request's Connection header names, for
 * a request that is no upgrade (Utility::sanitizeConnectionHeader): it refuses ten tokens or more,
 * a nominated x-forwarded-for, -host or -proto or pseudo-header (dropping it would hide where the
 * request came from), or a nominated TE of 256 bytes or more; otherwise every nominated header
 * goes, Host and Content-Length included. Responses are not sanitized (its client codec does not).
 */
final class ConnectionNominations {

    private static final int MAX_TOKENS = 10;
    private static final int MAX_TE_LENGTH = 256;

    private ConnectionNominations() {
    }

    /** Whether the Connection headers of {@code headers} (joined, as Envoy's header map holds them) pass. */
    static boolean acceptable(Http2Headers headers) {
        if (namesNone(headers)) {
            return true;
        }
        int[] tokens = {0};
        return eachToken(headers, token -> ++tokens[0] < MAX_TOKENS && acceptableToken(headers, token.trim()));
    }

    /**
     * Removes the headers the Connection tokens name, as Envoy's sanitizeConnectionHeader once it
     * has found them {@link #acceptable}: tokens about the connection itself name no header, a
     * nominated Connection stays, and TE stays as "trailers" when it lists that.
     */
    static void removeNominated(Http2Headers headers) {
        if (namesNone(headers)) {
            return;
        }
        List<String> names = new ArrayList<>();
        eachToken(headers, token -> names.add(token.trim().toLowerCase(Locale.ROOT)));
        for (String name : names) {
            switch (name) {
                case "", "close", "keep-alive", "upgrade", "http2-settings", "connection" -> {
                }
                case "te" -> HeaderConversion.sanitizeTe(headers);
                default -> headers.remove(AsciiString.of(name));
            }
        }
    }

    /** Nearly every client: no Connection header, or one bare token that names no header. */
    private static boolean namesNone(Http2Headers headers) {
        Iterator<CharSequence> values = headers.valueIterator(Http1Headers.CONNECTION);
        CharSequence only = values.hasNext() ? values.next() : null;
        return only == null || (!values.hasNext() && (AsciiString.contentEqualsIgnoreCase(only, "keep-alive")
                || AsciiString.contentEqualsIgnoreCase(only, "close")));
    }

    /**
     * Hands {@code f} each token of the Connection headers, untrimmed, empty ones left out (blank
     * ones not), as Envoy's splitToken, while it answers true: false when it answered false.
     */
    private static boolean eachToken(Http2Headers headers, Predicate<String> f) {
        for (Iterator<CharSequence> values = headers.valueIterator(Http1Headers.CONNECTION); values.hasNext(); ) {
            CharSequence v = values.next();
            int n = v.length();
            int start = 0;
            while (start <= n) {
                int comma = AsciiString.indexOf(v, ',', start);
                int end = comma < 0 ? n : comma;
                if (end > start && !f.test(v.subSequence(start, end).toString())) {
                    return false;
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
        String name = token.toLowerCase(Locale.ROOT);
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
