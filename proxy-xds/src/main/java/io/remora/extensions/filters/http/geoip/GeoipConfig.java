package io.remora.extensions.filters.http.geoip;

import io.remora.config.HttpFilterConfig;
import io.remora.extensions.geoip_providers.maxmind.MaxMindProviderConfig;

/**
 * {@code envoy.filters.http.geoip}'s {@code Geoip}.
 *
 * @param xffNumTrustedHops {@code xff_config.xff_num_trusted_hops}; 0 (or no xff_config): the
 *                          address the connection manager derived
 * @param provider          the MaxMind provider's config
 */
record GeoipConfig(int xffNumTrustedHops, MaxMindProviderConfig provider) implements HttpFilterConfig {

    static final String NAME = "envoy.filters.http.geoip";

    @Override
    public String filterName() {
        return NAME;
    }
}
