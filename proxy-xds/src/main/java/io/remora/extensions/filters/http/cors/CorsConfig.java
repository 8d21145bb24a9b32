package io.remora.extensions.filters.http.cors;

import io.remora.config.HttpFilterConfig;

/**
 * {@code envoy.filters.http.cors} ({@code extensions.filters.http.cors.v3.Cors}, which has no
 * fields): the policies come from the routes ({@link CorsPolicyConfig}).
 */
public record CorsConfig() implements HttpFilterConfig {

    public static final String NAME = "envoy.filters.http.cors";

    @Override
    public String filterName() {
        return NAME;
    }
}
