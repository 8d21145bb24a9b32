package io.remora.extensions.filters.http.header_mutation;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.HeaderMutation.AppendAction;
import io.remora.extensions.filters.http.common.QueryParams;
import io.remora.route.HeaderFormatter;

import java.util.ArrayList;
import java.util.List;

/**
 * header_mutation's {@code query_parameter_mutations} on the request's {@code :path}, after its
 * header mutations, as Envoy's Mutations::mutateRequestHeaders: the query is read into a map by
 * percent-decoded name ({@code QueryParamsMulti::parseAndDecodeQueryString}: each valid {@code %XX}
 * decoded, {@code +} left alone), mutated, and written back sorted by name with every name and
 * value as decoded ({@code QueryParamsMulti::toString}, which does not encode again); added
 * values are percent-encoded. Where Envoy would write a byte no request-target may hold (controls,
 * space, non-ASCII, and the characters RFC 3986 excludes) it stays escaped, so the request line
 * stays well formed.
 */
final class QueryMutator {

    private QueryMutator() {
    }

    static void apply(List<HeaderMutationConfig.QueryMutation> mutations, Http2Headers headers,
                      HeaderFormatter.Context context) {
        CharSequence path = headers.path();
        if (mutations.isEmpty() || path == null) {
            return;
        }
        String p = path.toString();
        int q = p.indexOf('?');
        int hash = p.indexOf('#', q < 0 ? 0 : q);
        String base = q < 0 ? (hash < 0 ? p : p.substring(0, hash)) : p.substring(0, q);
        String fragment = hash < 0 ? "" : p.substring(hash);
        List<String[]> params = new ArrayList<>(); // raw name, raw pair
        if (q >= 0) {
            for (String pair : p.substring(q + 1, hash < 0 ? p.length() : hash).split("&")) {
                if (!pair.isEmpty()) {
                    int eq = pair.indexOf('=');
                    // Envoy keeps a bare name as the name with an empty value and writes it "name=".
                    String name = decode(eq < 0 ? pair : pair.substring(0, eq));
                    String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
                    params.add(new String[] {name, escapeUnsafe(name) + "=" + escapeUnsafe(value)});
                }
            }
        }
        for (HeaderMutationConfig.QueryMutation m : mutations) {
            if (m.value() == null) {
                params.removeIf(x -> x[0].equals(m.key()));
                continue;
            }
            String value = m.formatter().format(headers, context);
            String pair = encode(m.key()) + "=" + encode(value);
            boolean exists = params.stream().anyMatch(x -> x[0].equals(m.key()));
            AppendAction action = m.action();
            if (action == AppendAction.ADD_IF_ABSENT && exists || action == AppendAction.OVERWRITE_IF_EXISTS && !exists) {
                continue;
            }
            if (action == AppendAction.OVERWRITE_IF_EXISTS || action == AppendAction.OVERWRITE_IF_EXISTS_OR_ADD) {
                params.removeIf(x -> x[0].equals(m.key()));
            }
            params.add(new String[] {m.key(), pair});
        }
        // Envoy rebuilds the query from its QueryParamsMulti, a btree_map by decoded name: the
        // parameters come out sorted by name, each name's values together in the order they came.
        params.sort(java.util.Comparator.comparing(x -> x[0]));
        StringBuilder out = new StringBuilder(base);
        for (int i = 0; i < params.size(); i++) {
            out.append(i == 0 ? '?' : '&').append(params.get(i)[1]);
        }
        headers.path(out.append(fragment).toString());
    }

    static String encode(String s) {
        return QueryParams.encode(s);
    }

    /**
     * Envoy's PercentEncoding::decode over the path's bytes (one char each): a {@code %} and two hex
     * digits become that byte, anything else (a lone {@code %}, a {@code +}) stays as it is.
     */
    static String decode(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            int hi;
            int lo;
            if (c == '%' && i + 2 < s.length() && (hi = Character.digit(s.charAt(i + 1), 16)) >= 0
                    && (lo = Character.digit(s.charAt(i + 2), 16)) >= 0) {
                b.append((char) (hi << 4 | lo));
                i += 2;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** A decoded name or value as Envoy writes it back, but with what a request-target cannot carry escaped. */
    static String escapeUnsafe(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean unsafe = c <= ' ' || c >= 0x7f || "\"#<>\\^`{|}".indexOf(c) >= 0;
            if (unsafe && b == null) {
                b = new StringBuilder(s.length() + 8).append(s, 0, i);
            }
            if (b != null) {
                if (unsafe) {
                    b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4 & 0xf, 16)))
                            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
                } else {
                    b.append(c);
                }
            }
        }
        return b == null ? s : b.toString();
    }
}
