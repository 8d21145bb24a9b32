package io.remora.xds.runtime;

import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.remora.xds.ads.XdsRejectedException;

import java.util.Map;
import java.util.TreeMap;

/**
 * VHDS route configurations (Envoy's RouteConfigUpdateReceiver): the virtual hosts VHDS delivered under
 * {@code <route config name>/} are added to the route configuration's own, and a config source Envoy
 * refuses for VHDS is refused with Envoy's words.
 */
final class VhdsRouteConfigs {
    /** How the bootstrap's ADS stream runs: VHDS needs it delta. */
    enum Ads {
        NONE, SOTW, DELTA;

        static Ads of(io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap bootstrap) {
            if (!bootstrap.getDynamicResources().hasAdsConfig()) {
                return NONE;
            }
            return bootstrap.getDynamicResources().getAdsConfig().getApiType() == ApiConfigSource.ApiType.DELTA_GRPC
                    ? DELTA : SOTW;
        }
    }

    private VhdsRouteConfigs() {
    }

    /** {@code rc} with the VHDS virtual hosts of its namespace appended (by name, as Envoy's map orders them). */
    static RouteConfiguration merged(RouteConfiguration rc, Map<String, VirtualHost> delivered) {
        if (!rc.hasVhds() || delivered.isEmpty()) {
            return rc;
        }
        String prefix = rc.getName() + "/";
        Map<String, VirtualHost> mine = new TreeMap<>();
        delivered.forEach((resourceName, vh) -> {
            // a route configuration's name may hold '/', a host never: the namespace is up to the last one
            if (resourceName.startsWith(prefix) && resourceName.indexOf('/', prefix.length()) < 0) {
                mine.put(vh.getName(), vh);
            }
        });
        return mine.isEmpty() ? rc : rc.toBuilder().addAllVirtualHosts(mine.values()).build();
    }

    /** Envoy's VhdsSubscription checks: delta xDS only, and over ADS only if the bootstrap's ADS is delta. */
    static void check(RouteConfiguration rc, Ads ads) throws XdsRejectedException {
        ConfigSource source = rc.getVhds().getConfigSource();
        boolean isAds = source.hasAds();
        boolean deltaGrpc = source.hasApiConfigSource()
                && source.getApiConfigSource().getApiType() == ApiConfigSource.ApiType.DELTA_GRPC;
        if (!isAds && !deltaGrpc) {
            throw reject(rc, "vhds: only 'DELTA_GRPC' or 'ADS' (which uses Delta xDS) is supported as a config source.");
        }
        if (deltaGrpc) {
            // Remora runs one ADS stream (and SDS's): a VHDS stream of its own is not built
            throw reject(rc, "vhds.config_source.api_config_source: a DELTA_GRPC stream of its own is not supported;"
                    + " use ads");
        }
        if (ads == Ads.NONE) {
            throw reject(rc, "vhds: ADS config source specified but no ADS configured in bootstrap.");
        }
        if (ads == Ads.SOTW) {
            throw reject(rc, "vhds: ADS must use DELTA_GRPC api_type when used as VHDS config source.");
        }
    }

    private static XdsRejectedException reject(RouteConfiguration rc, String message) {
        return new XdsRejectedException(rc.getName(), "route configuration '" + rc.getName() + "': " + message);
    }
}
