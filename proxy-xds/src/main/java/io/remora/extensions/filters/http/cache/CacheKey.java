package io.remora.extensions.filters.http.cache;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.QueryParameterMatcher;

import java.util.List;
import java.util.TreeSet;

/**
 * Cache keys: scheme, host, path and query as {@code key_creator_params} keep them; a varying
 * response's variants add the values of the request headers it varies on (Envoy's vary
 * identifier: the names sorted, each name's values in order). Parts are separated by characters no
 * URL or header value holds.
 */
final class CacheKey {

    private CacheKey() {
    }

    static String of(Http2Headers request, CacheKeyParams params) {
        CharSequence path = request.path();
        StringBuilder key = new StringBuilder(64);
        if (!params.excludeScheme()) {
            key.append(scheme(request));
        }
        key.append('\n');
        if (!params.excludeHost()) {
            key.append(request.authority());
        }
        key.append('\n');
        String p = path.toString();
        int q = p.indexOf('?');
        if (q < 0 || params.included().isEmpty() && params.excluded().isEmpty()) {
            return key.append(p).toString();
        }
        key.append(p, 0, q).append('?');
        boolean first = true;
        for (String pair : p.substring(q + 1).split("&", -1)) {
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            if (!params.included().isEmpty() && !any(params.included(), name, value)
                    || any(params.excluded(), name, value)) {
                continue;
            }
            key.append(first ? "" : "&").append(pair);
            first = false;
        }
        return key.toString();
    }

    /** The scheme the request came with; only http and https are served from the cache. */
    static String scheme(Http2Headers request) {
        CharSequence s = request.scheme();
        if (s == null) {
            s = request.get(CacheHeaders.X_FORWARDED_PROTO);
        }
        return s == null ? "http" : s.toString();
    }

    /** Parameters are compared as they appear in the URL (not percent-decoded). */
    private static boolean any(List<QueryParameterMatcher> matchers, String name, String value) {
        for (QueryParameterMatcher m : matchers) {
            if (m.name().equals(name) && (m.stringMatch() == null || m.stringMatch().matches(value))) {
                return true;
            }
        }
        return false;
    }

    /** The key of the variant of {@code base} that {@code request} selects among responses varying on {@code vary}. */
    static String variant(String base, List<String> vary, Http2Headers request) {
        StringBuilder key = new StringBuilder(base).append("\nvary-id\n");
        for (String name : new TreeSet<>(vary)) {
            key.append(name).append('\r');
            List<CharSequence> values = request.getAll(name);
            for (int i = 0; i < values.size(); i++) {
                key.append(i == 0 ? "" : "\r").append(values.get(i));
            }
            key.append('\n');
        }
        return key.toString();
    }
}
