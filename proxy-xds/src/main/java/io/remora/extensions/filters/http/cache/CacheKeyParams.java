package io.remora.extensions.filters.http.cache;

import io.remora.config.QueryParameterMatcher;

import java.util.List;

/**
 * {@code CacheConfig.KeyCreatorParams}: which parts of the URL make the cache key. The query is in
 * it unless {@code included} is not empty (only parameters matching one of those) or a parameter
 * matches one of {@code excluded}.
 */
record CacheKeyParams(boolean excludeScheme, boolean excludeHost, List<QueryParameterMatcher> included,
                      List<QueryParameterMatcher> excluded) {

    static final CacheKeyParams DEFAULT = new CacheKeyParams(false, false, List.of(), List.of());

    CacheKeyParams {
        included = List.copyOf(included);
        excluded = List.copyOf(excluded);
    }
}
