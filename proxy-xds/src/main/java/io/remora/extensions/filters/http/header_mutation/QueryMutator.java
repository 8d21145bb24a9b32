package io.remora.extensions.filters.http.header_mutation;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.HeaderMutation.AppendAction;
import io.remora.extensions.filters.http.common.QueryParams;
import io.remora.route.HeaderFormatter;

import java.util.ArrayList;
import java.util.List;

/**
 * header_mutation's {@code query_parameter_mutations} on the request's {@code :path}, after its
 * header mutations: parameters are matched by their decoded name, the ones left alone keep their
 * bytes, added names and values are percent-encoded as Envoy's urlEncodeQueryParameter does, and
 * the query is written back sorted by name, as Envoy's QueryParamsMulti holds it.
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
                    params.add(new String[] {decode(eq < 0 ? pair : pair.substring(0, eq)), eq < 0 ? pair + "=" : pair});
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

    private static String decode(String s) {
        return QueryParams.decode(s);
    }
}
