package io.remora.extensions.filters.http.match_delegate;

import io.remora.config.RouteFilterConfig;
import io.remora.config.UnifiedMatcher;
import io.remora.matching.UnifiedMatcherEvaluator;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * {@code ExtensionWithMatcherPerRoute}: a route's matcher, which replaces the filter's on that
 * route's streams. Its actions are built by each connection manager's runtime that uses it (a
 * composite action's filter factory and stats are the connection manager's), once, then kept here.
 */
public final class MatchDelegatePerRoute implements RouteFilterConfig {

    private final UnifiedMatcher<FilterMatchAction> matcher;
    /** By the filter factory that built it (identity): route configs are shared by connection managers. */
    private final Map<Object, UnifiedMatcherEvaluator<Object>> built = new ConcurrentHashMap<>();

    public MatchDelegatePerRoute(UnifiedMatcher<FilterMatchAction> matcher) {
        this.matcher = matcher;
    }

    public UnifiedMatcher<FilterMatchAction> matcher() {
        return matcher;
    }

    UnifiedMatcherEvaluator<Object> evaluator(Object owner, Function<FilterMatchAction, Object> runtime) {
        UnifiedMatcherEvaluator<Object> e = built.get(owner);
        return e != null ? e : built.computeIfAbsent(owner, o -> UnifiedMatcherEvaluator.mapped(matcher, runtime));
    }
}
