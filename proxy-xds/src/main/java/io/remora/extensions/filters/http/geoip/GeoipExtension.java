package io.remora.extensions.filters.http.geoip;

import io.envoyproxy.envoy.extensions.filters.http.geoip.v3.Geoip;
import io.envoyproxy.envoy.extensions.geoip_providers.maxmind.v3.MaxMindConfig;
import io.remora.extensions.HttpFilterExtension;
import io.remora.extensions.geoip_providers.maxmind.MaxMindDatabase;
import io.remora.extensions.geoip_providers.maxmind.MaxMindProvider;
import io.remora.extensions.geoip_providers.maxmind.MaxMindTranslator;
import io.remora.extensions.geoip_providers.maxmind.MmdbWatcher;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.server.ServerContext;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.ArrayList;
import java.util.List;

/** {@code envoy.filters.http.geoip} with the {@code envoy.geoip_providers.maxmind} provider. */
public final class GeoipExtension implements HttpFilterExtension<GeoipConfig> {

    private static final String TYPE = "envoy.extensions.filters.http.geoip.v3.Geoip";

    @Override
    public List<String> names() {
        return List.of(GeoipConfig.NAME, "envoy.geoip");
    }

    @Override
    public List<String> configTypes() {
        return List.of(TYPE);
    }

    @Override
    public GeoipConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            throw path.error("missing required field");
        }
        Geoip c = config.unpack(Geoip.class, path);
        FieldPath pp = path.field("provider");
        if (!c.hasProvider()) {
            throw pp.error("missing required field");
        }
        FieldPath tp = pp.field("typed_config");
        if (!c.getProvider().hasTypedConfig()) {
            throw tp.error("missing required field");
        }
        TypedConfig typed = TypedConfig.of(c.getProvider().getTypedConfig(), tp);
        if (!typed.typeName().equals(MaxMindTranslator.TYPE)) {
            throw tp.error("geolocation provider '" + typed.typeName()
                    + "' is not supported (only envoy.geoip_providers.maxmind)");
        }
        int hops = c.hasXffConfig() ? c.getXffConfig().getXffNumTrustedHops() : 0;
        return new GeoipConfig(hops, MaxMindTranslator.translate(typed.unpack(MaxMindConfig.class, tp), tp));
    }

    @Override
    public HttpFilterFactory.Provider<GeoipConfig> runtime() {
        return new HttpFilterFactory.Provider<>() {
            @Override
            public Class<GeoipConfig> configType() {
                return GeoipConfig.class;
            }

            @Override
            public HttpFilterFactory create(GeoipConfig config, ServerContext context) {
                MaxMindProvider provider = new MaxMindProvider(config.provider(), GeoipStats.PROVIDER);
                List<String> names = new ArrayList<>();
                names.add("envoy_http_geoip_total");
                names.addAll(provider.statNames());
                GeoipStats stats = new GeoipStats(context.stats().meterRegistry(), names.toArray(String[]::new));
                provider.onReload(stats::reloaded);
                for (MaxMindDatabase db : provider.databases()) {
                    MmdbWatcher.watch(db);
                }
                return () -> new GeoipFilter(config.xffNumTrustedHops(), provider, stats);
            }
        };
    }
}
