package io.remora.extensions.filters.http.composite;

import io.remora.config.HttpFilterConfig;

/**
 * {@code envoy.extensions.filters.http.composite.v3.Composite}: no settings of its own; what it runs
 * comes from the {@code ExecuteFilterAction} of the matcher around it.
 */
public record CompositeConfig() implements HttpFilterConfig {

    public static final String NAME = "envoy.filters.http.composite";

    @Override
    public String filterName() {
        return NAME;
    }
}
