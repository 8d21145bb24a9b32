package io.remora.extensions.filters.http.csrf;

import io.envoyproxy.envoy.extensions.filters.http.csrf.v3.CsrfPolicy;
import io.remora.config.RouteFilterConfig;
import io.remora.config.StringMatcher;
import io.remora.extensions.HttpFilterExtension;
import io.remora.extensions.filters.common.FilterProtos;
import io.remora.extensions.filters.http.common.HcmCounters;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.server.ServerContext;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.StringMatcherTranslator;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.ArrayList;
import java.util.List;

/** {@code envoy.filters.http.csrf}: a {@code CsrfPolicy} on the filter, and per route. */
public final class CsrfExtension implements HttpFilterExtension<CsrfPolicyConfig> {

    private static final String TYPE = "envoy.extensions.filters.http.csrf.v3.CsrfPolicy";

    @Override
    public List<String> names() {
        return List.of(CsrfPolicyConfig.NAME, "envoy.csrf");
    }

    @Override
    public List<String> configTypes() {
        return List.of(TYPE);
    }

    @Override
    public List<String> perRouteConfigTypes() {
        return List.of(TYPE);
    }

    @Override
    public boolean enforcesAccess() {
        return true;
    }

    @Override
    public CsrfPolicyConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            throw path.error("missing required field");
        }
        CsrfPolicy p = config.unpack(CsrfPolicy.class, path);
        if (!p.hasFilterEnabled()) {
            throw path.field("filter_enabled").error("missing required field");
        }
        List<StringMatcher> origins = new ArrayList<>(p.getAdditionalOriginsCount());
        for (int i = 0; i < p.getAdditionalOriginsCount(); i++) {
            origins.add(StringMatcherTranslator.translate(p.getAdditionalOrigins(i),
                    path.field("additional_origins").index(i)));
        }
        return new CsrfPolicyConfig(p.getFilterEnabled().getRuntimeKey(),
                FilterProtos.runtimeDefault(p.getFilterEnabled(), path.field("filter_enabled")),
                p.getShadowEnabled().getRuntimeKey(), p.hasShadowEnabled()
                        ? FilterProtos.runtimeDefault(p.getShadowEnabled(), path.field("shadow_enabled")) : null,
                origins);
    }

    @Override
    public RouteFilterConfig translatePerRoute(TypedConfig config, FieldPath path, TranslationContext ctx) {
        return translate(config, path, ctx);
    }

    @Override
    public HttpFilterFactory.Provider<CsrfPolicyConfig> runtime() {
        return new HttpFilterFactory.Provider<>() {
            @Override
            public Class<CsrfPolicyConfig> configType() {
                return CsrfPolicyConfig.class;
            }

            @Override
            public HttpFilterFactory create(CsrfPolicyConfig config, ServerContext context) {
                return create(config, context, "");
            }

            @Override
            public HttpFilterFactory create(CsrfPolicyConfig config, ServerContext context, String statPrefix) {
                HcmCounters counters = new HcmCounters(context.stats().meterRegistry(),
                        CsrfFilter.MISSING_SOURCE_ORIGIN, CsrfFilter.REQUEST_INVALID, CsrfFilter.REQUEST_VALID);
                // As Envoy's CsrfFilterConfig: the counters exist, at 0, before the first request.
                counters.of(statPrefix);
                return () -> new CsrfFilter(config, counters);
            }
        };
    }
}
