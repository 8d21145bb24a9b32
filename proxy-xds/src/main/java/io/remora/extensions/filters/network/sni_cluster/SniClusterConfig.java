package io.remora.extensions.filters.network.sni_cluster;

import io.remora.config.NetworkFilterConfig;

/** {@code envoy.extensions.filters.network.sni_cluster.v3.SniCluster}: nothing to configure. */
public record SniClusterConfig() implements NetworkFilterConfig {

    public static final String NAME = "envoy.filters.network.sni_cluster";

    @Override
    public String filterName() {
        return NAME;
    }
}
