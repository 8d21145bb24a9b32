package io.remora.extensions.filters.http.rbac;

import io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBACPerRoute;
import io.remora.config.RouteFilterConfig;
import io.remora.extensions.HttpFilterExtension;
import io.remora.extensions.filters.common.rbac.RbacMatcherTranslator;
import io.remora.extensions.filters.common.rbac.RbacTranslator;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.rbac.RbacRules;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;

/** {@code envoy.filters.http.rbac} ({@code envoy.extensions.filters.http.rbac.v3.RBAC}, per route {@code RBACPerRoute}). */
public final class RbacExtension implements HttpFilterExtension<RbacConfig> {

    @Override
    public List<String> names() {
        return List.of(RbacConfig.NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of("envoy.extensions.filters.http.rbac.v3.RBAC");
    }

    @Override
    public List<String> perRouteConfigTypes() {
        return List.of("envoy.extensions.filters.http.rbac.v3.RBACPerRoute");
    }

    @Override
    public boolean enforcesAccess() {
        return true;
    }

    @Override
    public RbacConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            throw path.error("missing required field: the RBAC filter needs a typed_config");
        }
        RBAC r = config.unpack(RBAC.class, path);
        if (r.getTrackPerRuleStats()) {
            ctx.warnOnce("rbac:track_per_rule_stats", "ignoring RBAC track_per_rule_stats (per-policy counters are"
                    + " not kept), first at " + path.field("track_per_rule_stats"));
        }
        RbacRules rules = RbacTranslator.rules(r.hasRules(), r.getRules(), r.hasMatcher() ? r.getMatcher() : null,
                r.hasShadowRules(), r.getShadowRules(), r.hasShadowMatcher() ? r.getShadowMatcher() : null,
                RbacMatcherTranslator.Filter.HTTP, path, ctx);
        return new RbacConfig(rules, r.getRulesStatPrefix(), r.getShadowRulesStatPrefix());
    }

    @Override
    public RouteFilterConfig translatePerRoute(TypedConfig config, FieldPath path, TranslationContext ctx) {
        RBACPerRoute pr = config.unpack(RBACPerRoute.class, path);
        if (!pr.hasRbac()) {
            return new RbacPerRouteConfig(RbacRules.NONE);
        }
        RBAC r = pr.getRbac();
        FieldPath rp = path.field("rbac");
        return new RbacPerRouteConfig(RbacTranslator.rules(r.hasRules(), r.getRules(),
                r.hasMatcher() ? r.getMatcher() : null, r.hasShadowRules(), r.getShadowRules(),
                r.hasShadowMatcher() ? r.getShadowMatcher() : null, RbacMatcherTranslator.Filter.HTTP, rp, ctx));
    }

    @Override
    public HttpFilterFactory.Provider<RbacConfig> runtime() {
        return new RbacFilterProvider();
    }
}
