package io.remora.extensions.filters.http.api_key_auth;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.extensions.filters.http.common.QueryParams;
import io.remora.upstream.lb.RequestHash;

/**
 * One {@code KeySource}: a header (its first value, a {@code Bearer } prefix stripped), else a
 * query parameter (decoded), else a cookie, as Envoy reads it.
 */
public record KeySource(Kind kind, String name) {

    public enum Kind { HEADER, QUERY, COOKIE }

    /** The key this source finds in the request, or null (an empty value counts as none). */
    String key(Http2Headers headers) {
        String value = switch (kind) {
            case HEADER -> {
                CharSequence v = headers.get(name);
                String s = v == null ? null : v.toString();
                yield s != null && s.startsWith("Bearer ") ? s.substring(7) : s;
            }
            case QUERY -> QueryParams.first(headers.path(), name);
            case COOKIE -> RequestHash.cookie(headers, name);
        };
        return value == null || value.isEmpty() ? null : value;
    }
}
