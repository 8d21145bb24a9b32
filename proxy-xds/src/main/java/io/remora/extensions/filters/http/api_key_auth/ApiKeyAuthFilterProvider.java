package io.remora.extensions.filters.http.api_key_auth;

import io.remora.extensions.filters.http.common.HcmCounters;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.server.ServerContext;

/** Builds the per-stream {@link ApiKeyAuthFilter}s of one configured api_key_auth filter. */
final class ApiKeyAuthFilterProvider implements HttpFilterFactory.Provider<ApiKeyAuthConfig> {

    /** Indexes in {@link HcmCounters#of}: Envoy's {@code http.<stat_prefix>.api_key_auth.allowed / unauthorized / forbidden}. */
    static final int ALLOWED = 0;
    static final int UNAUTHORIZED = 1;
    static final int FORBIDDEN = 2;

    @Override
    public Class<ApiKeyAuthConfig> configType() {
        return ApiKeyAuthConfig.class;
    }

    @Override
    public HttpFilterFactory create(ApiKeyAuthConfig config, ServerContext context) {
        HcmCounters counters = new HcmCounters(context.stats().meterRegistry(), "envoy_http_api_key_auth_allowed",
                "envoy_http_api_key_auth_unauthorized", "envoy_http_api_key_auth_forbidden");
        return () -> new ApiKeyAuthFilter(config, counters);
    }
}
