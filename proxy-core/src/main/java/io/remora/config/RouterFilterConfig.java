package io.remora.config;

import java.util.List;

/**
 * {@code envoy.filters.http.router}. suppressEnvoyHeaders drops x-envoy-upstream-service-time etc.
 *
 * @param upstreamHttpFilters {@code upstream_http_filters} before the closing {@code upstream_codec}:
 *                            run on each try to a cluster that lists no {@code http_filters} of its own
 */
public record RouterFilterConfig(boolean suppressEnvoyHeaders, List<HttpFilterEntry> upstreamHttpFilters)
        implements HttpFilterConfig {
    public static final String NAME = "envoy.filters.http.router";

    public RouterFilterConfig {
        upstreamHttpFilters = upstreamHttpFilters == null ? List.of() : List.copyOf(upstreamHttpFilters);
    }

    public RouterFilterConfig(boolean suppressEnvoyHeaders) {
        this(suppressEnvoyHeaders, List.of());
    }

    @Override
    public String filterName() {
        return NAME;
    }
}
