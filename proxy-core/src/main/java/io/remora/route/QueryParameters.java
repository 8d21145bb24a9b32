package io.remora.route;

/**
 * A request's query parameters as Envoy's {@code QueryParamsMulti::parseQueryString} reads them,
 * for code outside route matching (the query-parameter hash policy).
 */
public final class QueryParameters {
    private QueryParameters() {
    }

    /**
     * The first value of {@code name} in the query of {@code path} (from the first '?' to the
     * end), as sent: not percent-decoded, "" for a bare key; null when absent.
     */
    public static String firstValue(CharSequence path, String name) {
        return CompiledQueryParameterMatcher.firstValue(path, 0, name, false);
    }
}
