package io.remora.extensions.filters.http.common;

import io.netty.handler.codec.http2.Http2Headers;

import java.util.LinkedHashMap;
import java.util.Map;

/** Envoy's {@code Http::Utility::parseCookies}: every {@code cookie} header's pairs, the first of a name winning, quotes stripped. */
public final class RequestCookies {
    private RequestCookies() {
    }

    /** One cookie's value (the first of that name), or null: no map built. */
    public static String get(Http2Headers h, String name) {
        for (CharSequence header : h.getAll("cookie")) {
            for (String c : header.toString().split(";")) {
                int eq = c.indexOf('=');
                if (eq > 0 && c.substring(0, eq).trim().equals(name)) {
                    return unquoted(c.substring(eq + 1).trim());
                }
            }
        }
        return null;
    }

    private static String unquoted(String v) {
        return v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"") ? v.substring(1, v.length() - 1) : v;
    }

    /** Name → value, in the order the request gave them. */
    public static Map<String, String> parse(Http2Headers h) {
        Map<String, String> jar = new LinkedHashMap<>();
        for (CharSequence header : h.getAll("cookie")) {
            for (String c : header.toString().split(";")) {
                int eq = c.indexOf('=');
                if (eq <= 0) {
                    continue;
                }
                jar.putIfAbsent(c.substring(0, eq).trim(), unquoted(c.substring(eq + 1).trim()));
            }
        }
        return jar;
    }
}
