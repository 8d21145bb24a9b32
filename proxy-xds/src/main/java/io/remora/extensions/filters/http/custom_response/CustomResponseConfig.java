package io.remora.extensions.filters.http.custom_response;

import io.remora.config.HttpFilterConfig;
import io.remora.config.RouteFilterConfig;
import io.remora.config.UnifiedMatcher;
import io.remora.matching.MatchingData;
import io.remora.matching.UnifiedMatcherEvaluator;

/**
 * {@code envoy.extensions.filters.http.custom_response.v3.CustomResponse}, as the filter's config
 * and as a route's (virtual host's...) {@code typed_per_filter_config}: a matcher over the response
 * whose actions are policies. Without a matcher it picks nothing (Envoy allows that for a filter
 * configured only per route). Its evaluator holds nothing per connection manager (stats come with
 * each stream's filter), so one is built here, on first use, for every stream of every listener.
 */
public final class CustomResponseConfig implements HttpFilterConfig, RouteFilterConfig {

    static final String NAME = "envoy.filters.http.custom_response";

    private final UnifiedMatcher<PolicyConfig> matcher;
    private final boolean hasRedirect;
    private volatile UnifiedMatcherEvaluator<ResponsePolicy> evaluator;

    public CustomResponseConfig(UnifiedMatcher<PolicyConfig> matcher) {
        this.matcher = matcher;
        this.hasRedirect = matcher != null && hasRedirect(matcher);
    }

    /** Whether a redirect policy is among the matcher's actions (Envoy makes its counters with one). */
    boolean hasRedirect() {
        return hasRedirect;
    }

    private static boolean hasRedirect(UnifiedMatcher<PolicyConfig> m) {
        if (m instanceof UnifiedMatcher.ExactTree<PolicyConfig> t) {
            return anyRedirect(t.map().values()) || hasRedirect(t.onNoMatch());
        }
        if (m instanceof UnifiedMatcher.PrefixTree<PolicyConfig> t) {
            return anyRedirect(t.map().values()) || hasRedirect(t.onNoMatch());
        }
        if (m instanceof UnifiedMatcher.IpTree<PolicyConfig> t) {
            return t.rangeMatchers().stream().anyMatch(r -> hasRedirect(r.onMatch())) || hasRedirect(t.onNoMatch());
        }
        UnifiedMatcher.MatcherList<PolicyConfig> l = (UnifiedMatcher.MatcherList<PolicyConfig>) m;
        return l.matchers().stream().anyMatch(f -> hasRedirect(f.onMatch())) || hasRedirect(l.onNoMatch());
    }

    private static boolean anyRedirect(java.util.Collection<UnifiedMatcher.OnMatch<PolicyConfig>> all) {
        return all.stream().anyMatch(CustomResponseConfig::hasRedirect);
    }

    private static boolean hasRedirect(UnifiedMatcher.OnMatch<PolicyConfig> o) {
        return o != null && (o.action() instanceof PolicyConfig.Redirect || o.matcher() != null && hasRedirect(o.matcher()));
    }

    public UnifiedMatcher<PolicyConfig> matcher() {
        return matcher;
    }

    @Override
    public String filterName() {
        return NAME;
    }

    /** The policy the matcher picks for this response, or null (no matcher, no match, or an input missing). */
    ResponsePolicy match(MatchingData data) {
        if (matcher == null) {
            return null;
        }
        UnifiedMatcherEvaluator<ResponsePolicy> e = evaluator;
        if (e == null) {
            // Racing builders make equal evaluators; any one of them may stay.
            e = UnifiedMatcherEvaluator.mapped(matcher, PolicyConfig::runtime);
            evaluator = e;
        }
        return e.match(data);
    }
}
