package io.remora.extensions.filters.http.cors;

import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.extensions.filters.http.cors.v3.Cors;
import io.envoyproxy.envoy.extensions.filters.http.cors.v3.CorsPolicy;
import io.remora.config.PerFilterConfig;
import io.remora.config.RouteFilterConfig;
import io.remora.config.StringMatcher;
import io.remora.extensions.HttpFilterExtension;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.runtime.FractionalPercent;
import io.remora.server.ServerContext;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.StringMatcherTranslator;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code envoy.filters.http.cors}: the filter ({@code Cors}, no fields) and its per-route
 * {@code CorsPolicy}; also translates the deprecated {@code cors} field of virtual hosts and
 * route actions into the same policy ({@link #withDeprecatedPolicy}).
 */
public final class CorsExtension implements HttpFilterExtension<CorsConfig> {

    static final String POLICY_TYPE = "envoy.extensions.filters.http.cors.v3.CorsPolicy";

    @Override
    public List<String> names() {
        return List.of(CorsConfig.NAME, "envoy.cors");
    }

    @Override
    public List<String> configTypes() {
        return List.of("envoy.extensions.filters.http.cors.v3.Cors");
    }

    @Override
    public List<String> perRouteConfigTypes() {
        return List.of(POLICY_TYPE);
    }

    @Override
    public CorsConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config != null) {
            config.unpack(Cors.class, path); // validates that it is one; Cors has no fields
        }
        return new CorsConfig();
    }

    @Override
    public RouteFilterConfig translatePerRoute(TypedConfig config, FieldPath path, TranslationContext ctx) {
        CorsPolicy p = config.unpack(CorsPolicy.class, path);
        return policy(p.getAllowOriginStringMatchList(), p.getAllowMethods(), p.getAllowHeaders(),
                p.getExposeHeaders(), p.getMaxAge(),
                p.hasAllowCredentials() ? p.getAllowCredentials().getValue() : null,
                p.hasAllowPrivateNetworkAccess() ? p.getAllowPrivateNetworkAccess().getValue() : null,
                p.hasForwardNotMatchingPreflights() ? p.getForwardNotMatchingPreflights().getValue() : null,
                p.hasFilterEnabled() ? p.getFilterEnabled() : null,
                p.hasShadowEnabled() ? p.getShadowEnabled() : null, path, ctx);
    }

    /**
     * The per-filter configs of a virtual host or route with its deprecated {@code cors} policy
     * added under {@link CorsPolicyConfig#LEGACY_KEY}; {@code configs} itself when there is none.
     */
    public static Map<String, PerFilterConfig> withDeprecatedPolicy(Map<String, PerFilterConfig> configs,
                                                                    boolean hasCors,
                                                                    io.envoyproxy.envoy.config.route.v3.CorsPolicy p,
                                                                    FieldPath path, TranslationContext ctx) {
        if (!hasCors) {
            return configs;
        }
        CorsPolicyConfig policy = policy(p.getAllowOriginStringMatchList(), p.getAllowMethods(), p.getAllowHeaders(),
                p.getExposeHeaders(), p.getMaxAge(),
                p.hasAllowCredentials() ? p.getAllowCredentials().getValue() : null,
                p.hasAllowPrivateNetworkAccess() ? p.getAllowPrivateNetworkAccess().getValue() : null,
                p.hasForwardNotMatchingPreflights() ? p.getForwardNotMatchingPreflights().getValue() : null,
                p.hasFilterEnabled() ? p.getFilterEnabled() : null,
                p.hasShadowEnabled() ? p.getShadowEnabled() : null, path, ctx);
        Map<String, PerFilterConfig> out = new LinkedHashMap<>(configs);
        out.put(CorsPolicyConfig.LEGACY_KEY, new PerFilterConfig(policy, false));
        return out;
    }

    private static CorsPolicyConfig policy(List<io.envoyproxy.envoy.type.matcher.v3.StringMatcher> origins,
                                           String methods, String headers, String expose, String maxAge,
                                           Boolean credentials, Boolean privateNetwork, Boolean forwardPreflights,
                                           RuntimeFractionalPercent enabled, RuntimeFractionalPercent shadow,
                                           FieldPath path, TranslationContext ctx) {
        List<StringMatcher> matchers = new ArrayList<>(origins.size());
        for (int i = 0; i < origins.size(); i++) {
            matchers.add(StringMatcherTranslator.translate(origins.get(i),
                    path.field("allow_origin_string_match").index(i)));
        }
        return new CorsPolicyConfig(matchers, methods, headers, expose, maxAge, credentials, privateNetwork,
                forwardPreflights, fraction(enabled, path.field("filter_enabled")),
                enabled == null ? "" : enabled.getRuntimeKey(), fraction(shadow, path.field("shadow_enabled")),
                shadow == null ? "" : shadow.getRuntimeKey());
    }

    private static FractionalPercent fraction(RuntimeFractionalPercent f, FieldPath path) {
        if (f == null) {
            return null;
        }
        if (!f.hasDefaultValue()) {
            throw path.field("default_value").error("missing required field");
        }
        var d = f.getDefaultValue();
        FractionalPercent.Denominator denominator = switch (d.getDenominator()) {
            case HUNDRED -> FractionalPercent.Denominator.HUNDRED;
            case TEN_THOUSAND -> FractionalPercent.Denominator.TEN_THOUSAND;
            case MILLION -> FractionalPercent.Denominator.MILLION;
            default -> throw path.field("default_value").field("denominator").error("unknown denominator "
                    + d.getDenominatorValue());
        };
        return new FractionalPercent(Integer.toUnsignedLong(d.getNumerator()), denominator);
    }

    @Override
    public HttpFilterFactory.Provider<CorsConfig> runtime() {
        return new HttpFilterFactory.Provider<>() {
            @Override
            public Class<CorsConfig> configType() {
                return CorsConfig.class;
            }

            @Override
            public HttpFilterFactory create(CorsConfig config, ServerContext context) {
                return new CorsFilterFactory(context.stats().meterRegistry());
            }
        };
    }
}
