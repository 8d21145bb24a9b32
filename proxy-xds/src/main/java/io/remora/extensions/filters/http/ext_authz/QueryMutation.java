package io.remora.extensions.filters.http.ext_authz;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An OK answer's {@code query_parameters_to_set} and {@code query_parameters_to_remove}, applied to
 * {@code :path} as Envoy's ext_authz filter does with {@code Http::Utility::QueryParamsMulti}: the
 * query (from the first '?' to the end) is parsed without decoding, every set replaces all values
 * of its key (or adds it), then the removals drop keys, and the query is written again with its
 * keys in byte order, each value as {@code key=value} (a bare key comes back as {@code key=}).
 * Keys and values go in as the service sent them, not encoded.
 */
record QueryMutation(List<Map.Entry<String, String>> set, List<String> remove) {

    static final QueryMutation NONE = new QueryMutation(List.of(), List.of());

    QueryMutation {
        set = List.copyOf(set);
        remove = List.copyOf(remove);
    }

    boolean isEmpty() {
        return set.isEmpty() && remove.isEmpty();
    }

    /** The new {@code :path}. */
    String apply(CharSequence path) {
        String p = path.toString();
        int q = p.indexOf('?');
        TreeMap<String, List<String>> params = new TreeMap<>();
        if (q >= 0) {
            int start = q + 1;
            while (start < p.length()) {
                int end = p.indexOf('&', start);
                if (end < 0) {
                    end = p.length();
                }
                int eq = p.indexOf('=', start);
                String key = eq >= 0 && eq < end ? p.substring(start, eq) : p.substring(start, end);
                String value = eq >= 0 && eq < end ? p.substring(eq + 1, end) : "";
                params.computeIfAbsent(key, k -> new ArrayList<>(1)).add(value);
                start = end + 1;
            }
        }
        for (Map.Entry<String, String> e : set) {
            params.put(e.getKey(), List.of(e.getValue()));
        }
        for (String key : remove) {
            params.remove(key);
        }
        StringBuilder out = new StringBuilder(p.length() + 16).append(p, 0, q < 0 ? p.length() : q);
        char delim = '?';
        for (Map.Entry<String, List<String>> e : params.entrySet()) {
            for (String v : e.getValue()) {
                out.append(delim).append(e.getKey()).append('=').append(v);
                delim = '&';
            }
        }
        return out.toString();
    }

    /**
     * validate_mutations: Envoy's queryParameterIsUrlEncoded on every key and value set: only
     * letters, digits and {@code * - . _} (so even '%' fails).
     */
    boolean valid() {
        for (Map.Entry<String, String> e : set) {
            if (!urlEncoded(e.getKey()) || !urlEncoded(e.getValue())) {
                return false;
            }
        }
        return true;
    }

    private static boolean urlEncoded(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || c == '*' || c == '-' || c == '.' || c == '_')) {
                return false;
            }
        }
        return true;
    }
}
