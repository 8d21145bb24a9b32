package io.remora.route;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.accesslog.StreamInfo;
import io.remora.config.MatchInput;
import io.remora.config.Route;
import io.remora.config.UnifiedMatcher;
import io.remora.matching.MatchingData;
import io.remora.matching.UnifiedMatcherEvaluator;
import io.remora.network.FilterState;
import io.remora.rbac.RbacMatcher;
import io.remora.runtime.Runtime;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A virtual host's {@code matcher} (Envoy's VirtualHostImpl {@code matcher_}), compiled: the tree
 * picks the routes to try, and each of them must still match on its own {@code match}, first wins
 * (Envoy's getRouteFromRoutes over the action's routes). No action, or data the tree cannot
 * decide on, is no route.
 */
final class RouteMatcherTree {

    private static final CompiledRoute[] NONE = new CompiledRoute[0];

    private final UnifiedMatcherEvaluator<CompiledRoute[]> evaluator;

    RouteMatcherTree(UnifiedMatcher<List<Route>> matcher, Function<Route, CompiledRoute> compile) {
        this.evaluator = UnifiedMatcherEvaluator.mapped(matcher,
                routes -> routes.stream().map(compile).toArray(CompiledRoute[]::new));
    }

    /** The routes the tree's action names for this request, in order; empty when it names none. */
    CompiledRoute[] candidates(Http2Headers headers, Runtime runtime, StreamInfo stream) {
        CompiledRoute[] routes = evaluator.match(new Request(headers, runtime, stream));
        return routes == null ? NONE : routes;
    }

    /** Every route of the tree's actions, in the order the tree holds them (for validation). */
    static List<Route> routes(UnifiedMatcher<List<Route>> m) {
        List<Route> out = new ArrayList<>();
        collect(m, out);
        return out;
    }

    private static void collect(UnifiedMatcher<List<Route>> m, List<Route> out) {
        if (m instanceof UnifiedMatcher.ExactTree<List<Route>> t) {
            t.map().values().forEach(om -> collect(om, out));
        } else if (m instanceof UnifiedMatcher.PrefixTree<List<Route>> t) {
            t.map().values().forEach(om -> collect(om, out));
        } else if (m instanceof UnifiedMatcher.IpTree<List<Route>> t) {
            t.rangeMatchers().forEach(r -> collect(r.onMatch(), out));
        } else if (m instanceof UnifiedMatcher.MatcherList<List<Route>> l) {
            l.matchers().forEach(f -> collect(f.onMatch(), out));
        }
        collect(m.onNoMatch(), out);
    }

    private static void collect(UnifiedMatcher.OnMatch<List<Route>> om, List<Route> out) {
        if (om == null) {
            return;
        }
        if (om.action() != null) {
            out.addAll(om.action());
        } else {
            collect(om.matcher(), out);
        }
    }

    /**
     * The request as the route table's inputs see it (Envoy admits request headers and filter
     * state there): a header's values joined by commas, a filter state object serialized as a string.
     */
    private record Request(Http2Headers headers, Runtime runtime, StreamInfo stream) implements MatchingData {

        @Override
        public String value(MatchInput input) {
            return switch (input.kind()) {
                case REQUEST_HEADER -> MatchingData.header(headers, input.key());
                case FILTER_STATE -> {
                    FilterState fs = stream == null ? null : stream.filterState();
                    yield fs == null ? null : io.remora.matching.FilterStateMatch.serialize(fs.get(input.key()));
                }
                default -> null;
            };
        }

        @Override
        public InetAddress address(MatchInput input) {
            return null;
        }

        @Override
        public Map<String, Map<String, Object>> dynamicMetadata() {
            return stream == null ? Map.of() : stream.dynamicMetadata();
        }
    }
}
