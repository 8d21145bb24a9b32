package io.remora.config;

/** {@code envoy.filters.http.router}. suppressEnvoyHeaders drops x-envoy-upstream-service-time etc. */
public record RouterFilterConfig(boolean suppressEnvoyHeaders) implements HttpFilterConfig {
    public static final String NAME = "envoy.filters.http.router";

    @Override
    public String filterName() {
        return NAME;
    }
}
