package io.remora.extensions.filters.http.grpc_json_transcoder;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The path matcher: every registered binding, looked up by HTTP method and path as
 * grpc-httpjson-transcoding does (a literal segment beats {@code *}, which beats {@code **}; a
 * custom verb is split off the last segment only when some template registers it, unless
 * {@code match_unregistered_custom_verb}), then the query's parameters become bindings too.
 * Immutable, shared by every stream.
 */
final class HttpRuleTable {

    /** A request's binding and the values its path and query give to fields. */
    record Match(RuleBinding binding, List<FieldBinding> values) {
    }

    private final List<RuleBinding> bindings;
    private final Set<String> verbs = new HashSet<>();
    private final Set<String> ignoredQueryParameters;
    private final UrlUnescaping unescaping;
    private final boolean queryUnescapePlus;
    private final boolean matchUnregisteredCustomVerb;

    HttpRuleTable(List<RuleBinding> bindings, Set<String> ignoredQueryParameters, UrlUnescaping unescaping,
                  boolean queryUnescapePlus, boolean matchUnregisteredCustomVerb) {
        this.bindings = List.copyOf(bindings);
        for (RuleBinding b : bindings) {
            if (b.template().verb() != null) {
                verbs.add(b.template().verb());
            }
        }
        this.ignoredQueryParameters = Set.copyOf(ignoredQueryParameters);
        this.unescaping = unescaping;
        this.queryUnescapePlus = queryUnescapePlus;
        this.matchUnregisteredCustomVerb = matchUnregisteredCustomVerb;
    }

    /** The binding for this request, or null when none matches. */
    Match lookup(CharSequence httpMethod, CharSequence pathAndQuery) {
        String full = pathAndQuery.toString();
        int q = full.indexOf('?');
        String path = q < 0 ? full : full.substring(0, q);
        List<String> segments = path.length() <= 1 ? List.of() : Arrays.asList(path.substring(1).split("/", -1));
        String verb = null;
        if (!segments.isEmpty()) {
            String last = segments.get(segments.size() - 1);
            int colon = last.lastIndexOf(':');
            if (colon >= 0 && (matchUnregisteredCustomVerb || verbs.contains(last.substring(colon + 1)))) {
                verb = last.substring(colon + 1);
                segments = new ArrayList<>(segments);
                segments.set(segments.size() - 1, last.substring(0, colon));
            }
        }
        RuleBinding best = null;
        int[] bestRank = null;
        for (RuleBinding b : bindings) {
            if (!b.httpMethod().contentEquals(httpMethod)) {
                continue;
            }
            int[] rank = b.template().match(segments, verb);
            if (rank != null && (best == null || Arrays.compare(rank, bestRank) < 0)) {
                best = b;
                bestRank = rank;
            }
        }
        if (best == null) {
            return null;
        }
        List<FieldBinding> values = new ArrayList<>();
        best.template().bind(segments, unescaping, values);
        if (q >= 0) {
            queryBindings(full.substring(q + 1), values);
        }
        return new Match(best, values);
    }

    /** {@code a.b=1&c=2}: a parameter without '=' or without a name binds nothing; ignored ones neither. */
    private void queryBindings(String query, List<FieldBinding> out) {
        for (String param : query.split("&")) {
            int eq = param.indexOf('=');
            if (eq <= 0) {
                continue;
            }
            String name = UrlUnescaping.ALL_CHARACTERS.unescape(param.substring(0, eq), queryUnescapePlus);
            if (ignoredQueryParameters.contains(name)) {
                continue;
            }
            String value = UrlUnescaping.ALL_CHARACTERS.unescape(param.substring(eq + 1), queryUnescapePlus);
            out.add(new FieldBinding(List.of(name.split("\\.", -1)), value));
        }
    }
}
