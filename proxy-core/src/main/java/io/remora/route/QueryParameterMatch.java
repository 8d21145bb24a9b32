package io.remora.route;

import io.remora.config.QueryParameterMatcher;

import java.util.List;

/**
 * Envoy's {@code ConfigUtility::matchQueryParams} over a list of {@link QueryParameterMatcher}s, for
 * users outside route selection: every matcher must hold, on the query percent-decoded as Envoy's
 * {@code parseAndDecodeQueryString} reads it (the rate limit action {@code query_parameter_value_match}),
 * or as sent, as the route match compares it ({@link #asSent}).
 */
public final class QueryParameterMatch {

    private final CompiledQueryParameterMatcher[] matchers;

    private QueryParameterMatch(List<QueryParameterMatcher> specs, boolean decoded) {
        matchers = specs.stream().map(q -> new CompiledQueryParameterMatcher(q, decoded))
                .toArray(CompiledQueryParameterMatcher[]::new);
    }

    public static QueryParameterMatch of(List<QueryParameterMatcher> specs) {
        return new QueryParameterMatch(specs, true);
    }

    /**
     * On the query as sent, as a route's match reads it ({@code parseQueryString}): for the filters
     * whose rules take a {@code RouteMatch} (jwt_authn).
     */
    public static QueryParameterMatch asSent(List<QueryParameterMatcher> specs) {
        return new QueryParameterMatch(specs, false);
    }

    /** Whether the query of {@code path} (a request's :path; null: no query) satisfies every matcher. */
    public boolean matches(CharSequence path) {
        CharSequence p = path == null ? "" : path;
        int pathEnd = PathMatcher.pathEnd(p);
        for (CompiledQueryParameterMatcher m : matchers) {
            if (!m.matches(p, pathEnd)) {
                return false;
            }
        }
        return true;
    }
}
