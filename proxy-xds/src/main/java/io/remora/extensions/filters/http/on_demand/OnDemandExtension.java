package io.remora.extensions.filters.http.on_demand;

import io.envoyproxy.envoy.extensions.filters.http.on_demand.v3.OnDemand;
import io.envoyproxy.envoy.extensions.filters.http.on_demand.v3.OnDemandCds;
import io.envoyproxy.envoy.extensions.filters.http.on_demand.v3.PerRouteConfig;
import io.remora.config.RouteFilterConfig;
import io.remora.extensions.HttpFilterExtension;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.server.ServerContext;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.Protos;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.time.Duration;
import java.util.List;

/** {@code envoy.filters.http.on_demand}: on-demand VHDS and, with {@code odcds}, on-demand CDS. */
public final class OnDemandExtension implements HttpFilterExtension<OnDemandConfig> {

    private static final String TYPE = "envoy.extensions.filters.http.on_demand.v3.OnDemand";
    private static final String PER_ROUTE_TYPE = "envoy.extensions.filters.http.on_demand.v3.PerRouteConfig";
    /** Envoy's default wait for a cluster discovered on demand. */
    static final Duration DEFAULT_ODCDS_TIMEOUT = Duration.ofSeconds(5);

    @Override
    public List<String> names() {
        return List.of(OnDemandConfig.NAME, "envoy.on_demand");
    }

    @Override
    public List<String> configTypes() {
        return List.of(TYPE);
    }

    @Override
    public List<String> perRouteConfigTypes() {
        return List.of(PER_ROUTE_TYPE);
    }

    @Override
    public OnDemandConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            return new OnDemandConfig(null); // the filter's config is optional: VHDS only
        }
        OnDemand c = config.unpack(OnDemand.class, path);
        return new OnDemandConfig(c.hasOdcds() ? odcdsTimeout(c.getOdcds(), path.field("odcds")) : null);
    }

    @Override
    public RouteFilterConfig translatePerRoute(TypedConfig config, FieldPath path, TranslationContext ctx) {
        PerRouteConfig c = config.unpack(PerRouteConfig.class, path);
        return new OnDemandConfig(c.hasOdcds() ? odcdsTimeout(c.getOdcds(), path.field("odcds")) : null);
    }

    /** {@code odcds}: Envoy's on-demand CDS is delta xDS; Remora asks over its ADS stream. */
    private static Duration odcdsTimeout(OnDemandCds odcds, FieldPath path) {
        if (!odcds.hasSource()) {
            throw path.field("source").error("missing required field");
        }
        if (!odcds.getSource().hasAds()) {
            throw path.field("source").error("on-demand CDS is served over ADS only (a config source of its own is"
                    + " not supported)");
        }
        if (!odcds.getResourcesLocator().isEmpty()) {
            throw path.field("resources_locator").error("xdstp:// resource locators are not supported");
        }
        Duration timeout = Protos.duration(odcds.hasTimeout(), odcds.getTimeout(), DEFAULT_ODCDS_TIMEOUT);
        if (timeout.isNegative()) {
            throw path.field("timeout").error("must not be negative");
        }
        return timeout;
    }

    @Override
    public HttpFilterFactory.Provider<OnDemandConfig> runtime() {
        return new HttpFilterFactory.Provider<>() {
            @Override
            public Class<OnDemandConfig> configType() {
                return OnDemandConfig.class;
            }

            @Override
            public HttpFilterFactory create(OnDemandConfig config, ServerContext context) {
                return () -> new OnDemandFilter(config);
            }
        };
    }
}
