package io.remora.extensions.filters.http.header_mutation;

import io.remora.config.HeaderMutationRule;
import io.remora.config.HttpFilterConfig;
import io.remora.config.RouteFilterConfig;
import io.remora.route.HeaderFormatter;
import io.remora.route.HeaderMutationRules;

import java.util.List;

/**
 * {@code envoy.filters.http.header_mutation}: ordered mutations of request and response headers,
 * the filter's and each route level's ({@code HeaderMutationPerRoute}, which carries no
 * {@code mostSpecificWins} of its own).
 *
 * @param mostSpecificWins {@code most_specific_header_mutations_wins}: route levels run least
 *                         specific first, so the most specific has the last word
 */
record HeaderMutationConfig(HeaderMutationRules request, List<QueryMutation> query, HeaderMutationRules response,
                            boolean mostSpecificWins) implements HttpFilterConfig, RouteFilterConfig {

    static final String NAME = "envoy.filters.http.header_mutation";

    HeaderMutationConfig {
        query = List.copyOf(query);
    }

    HeaderMutationConfig(List<HeaderMutationRule> request, List<QueryMutation> query, List<HeaderMutationRule> response,
                         boolean mostSpecificWins) {
        this(HeaderMutationRules.of(request), query, HeaderMutationRules.of(response), mostSpecificWins);
    }

    @Override
    public String filterName() {
        return NAME;
    }

    /**
     * {@code config.core.v3.KeyValueMutation} of the path's query: {@code remove} (value null) drops
     * every parameter of that name; else the formatted value is added as {@code action} says.
     */
    record QueryMutation(String key, String value, io.remora.config.HeaderMutation.AppendAction action,
                         HeaderFormatter formatter) {
        QueryMutation(String key, String value, io.remora.config.HeaderMutation.AppendAction action) {
            this(key, value, action, value == null ? null : HeaderFormatter.compile(value));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof QueryMutation m && java.util.Objects.equals(m.key, key)
                    && java.util.Objects.equals(m.value, value) && m.action == action;
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(key, value, action);
        }
    }
}
