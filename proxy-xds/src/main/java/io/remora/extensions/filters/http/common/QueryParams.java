package io.remora.extensions.filters.http.common;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/** Query-string reading and writing as Envoy's {@code Http::Utility} does it, shared by the filters that need it. */
public final class QueryParams {
    private QueryParams() {
    }

    /** The decoded value of the first {@code name} parameter of a request path's query, or null. */
    public static String first(CharSequence path, String name) {
        return first(path, name, true);
    }

    /** As {@link #first(CharSequence, String)}, the value as sent (Envoy's parseQueryString, not parseAndDecode). */
    public static String firstRaw(CharSequence path, String name) {
        return first(path, name, false);
    }

    private static String first(CharSequence path, String name, boolean decodeValue) {
        if (path == null) {
            return null;
        }
        String p = path.toString();
        int q = p.indexOf('?');
        if (q < 0) {
            return null;
        }
        int end = p.indexOf('#', q);
        for (String pair : p.substring(q + 1, end < 0 ? p.length() : end).split("&")) {
            int eq = pair.indexOf('=');
            if (decode(eq < 0 ? pair : pair.substring(0, eq)).equals(name)) {
                String v = eq < 0 ? "" : pair.substring(eq + 1);
                return decodeValue ? decode(v) : v;
            }
        }
        return null;
    }

    /** Envoy's urlEncodeQueryParameter: every byte but RFC 3986's unreserved ones as %XX. */
    public static String encode(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_'
                    || c == '~') {
                b.append((char) c);
            } else {
                b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return b.toString();
    }

    /** Percent-decoding with '+' as a space; a malformed escape leaves the text as sent. */
    public static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }
}
