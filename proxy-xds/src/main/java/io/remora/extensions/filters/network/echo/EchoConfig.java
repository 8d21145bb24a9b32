package io.remora.extensions.filters.network.echo;

import io.remora.config.NetworkFilterConfig;

/** {@code envoy.extensions.filters.network.echo.v3.Echo}: nothing to configure. */
public record EchoConfig() implements NetworkFilterConfig {

    public static final String NAME = "envoy.filters.network.echo";

    @Override
    public String filterName() {
        return NAME;
    }
}
