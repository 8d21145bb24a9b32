package io.remora.extensions.filters.http.on_demand;

import io.remora.config.HttpFilterConfig;
import io.remora.config.RouteFilterConfig;

import java.time.Duration;

/**
 * {@code envoy.filters.http.on_demand} (and its {@code PerRouteConfig}, which replaces it on a route): VHDS
 * always; on-demand CDS when {@code odcdsTimeout} is set.
 *
 * @param odcdsTimeout how long a request waits for a cluster discovered on demand; null: no on-demand CDS
 */
record OnDemandConfig(Duration odcdsTimeout) implements HttpFilterConfig, RouteFilterConfig {

    static final String NAME = "envoy.filters.http.on_demand";

    @Override
    public String filterName() {
        return NAME;
    }
}
