package io.remora.xds.translate;

import com.github.xds.core.v3.TypedExtensionConfig;
import com.github.xds.type.matcher.v3.Matcher;
import io.envoyproxy.envoy.config.route.v3.RouteList;
import io.remora.config.ForwardAction;
import io.remora.config.MatchInput;
import io.remora.config.Route;
import io.remora.config.UnifiedMatcher;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/**
 * A virtual host's {@code matcher}: Envoy's VirtualHostImpl builds it with the route actions
 * ({@code envoy.config.route.v3.Route}, {@code envoy.config.route.v3.RouteList}) and a
 * RouteActionValidationVisitor that admits only request header and filter state inputs.
 */
final class VirtualHostMatcherTranslator {

    private static final String ROUTE = "envoy.config.route.v3.Route";
    private static final String ROUTE_LIST = "envoy.config.route.v3.RouteList";

    private VirtualHostMatcherTranslator() {
    }

    /**
     * Each action's routes, translated as a virtual host's listed routes are, except that (as in
     * Envoy's RouteMatchActionFactory, which passes validate_clusters false) their clusters are not
     * checked against the static ones.
     */
    static UnifiedMatcher<List<Route>> translate(Matcher matcher, FieldPath path, TranslationContext ctx,
                                                 int maxBody, int bufferLimit,
                                                 List<ForwardAction.MirrorPolicy> mirrors) {
        TranslationContext routeCtx = ctx.withoutClusterCheck();
        return new UnifiedMatcherTranslator<List<Route>>(EnumSet.of(MatchInput.Kind.REQUEST_HEADER,
                MatchInput.Kind.FILTER_STATE),
                type -> "Route table can only match on request headers, saw " + type,
                (action, ap) -> routes(action, ap, routeCtx, maxBody, bufferLimit, mirrors)).translate(matcher, path);
    }

    private static List<Route> routes(TypedExtensionConfig action, FieldPath path, TranslationContext ctx,
                                      int maxBody, int bufferLimit, List<ForwardAction.MirrorPolicy> mirrors) {
        FieldPath tp = path.field("typed_config");
        String type = action.hasTypedConfig() ? Protos.typeName(action.getTypedConfig()) : "";
        if (type.equals(ROUTE)) {
            return List.of(RouteTranslator.translate(Protos.unpack(action.getTypedConfig(),
                    io.envoyproxy.envoy.config.route.v3.Route.class, tp), tp, ctx, maxBody, bufferLimit, mirrors));
        }
        if (!type.equals(ROUTE_LIST)) {
            throw tp.error("a virtual host matcher's action must be " + ROUTE + " or " + ROUTE_LIST
                    + (type.isEmpty() ? "" : ", not " + type));
        }
        RouteList list = Protos.unpack(action.getTypedConfig(), RouteList.class, tp);
        List<Route> routes = new ArrayList<>(list.getRoutesCount());
        for (int i = 0; i < list.getRoutesCount(); i++) {
            routes.add(RouteTranslator.translate(list.getRoutes(i), tp.field("routes").index(i), ctx, maxBody,
                    bufferLimit, mirrors));
        }
        return List.copyOf(routes);
    }
}
