package io.remora.extensions.filters.http.common;

import io.netty.handler.codec.http2.Http2Headers;

import java.util.LinkedHashMap;
import java.util.Map;

/** Envoy's {@code Http::Utility::parseCookies}: every {@code cookie} header's pairs, the first of a name winning, quotes stripped. */
public final class RequestCookies {
    private RequestCookies() {
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
                String v = c.substring(eq + 1).trim();
                if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
                    v = v.substring(1, v.length() - 1);
                }
                jar.putIfAbsent(c.substring(0, eq).trim(), v);
            }
        }
        return jar;
    }
}
