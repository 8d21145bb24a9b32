package io.remora.extensions.filters.http.basic_auth;

import io.remora.extensions.filters.http.common.HcmCounters;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.server.ServerContext;

/** Builds the per-stream {@link BasicAuthFilter}s of one configured basic_auth filter. */
final class BasicAuthFilterProvider implements HttpFilterFactory.Provider<BasicAuthConfig> {

    /** Indexes in {@link HcmCounters#of}: Envoy's {@code http.<stat_prefix>.basic_auth.allowed} / {@code .denied}. */
    static final int ALLOWED = 0;
    static final int DENIED = 1;

    @Override
    public Class<BasicAuthConfig> configType() {
        return BasicAuthConfig.class;
    }

    @Override
    public HttpFilterFactory create(BasicAuthConfig config, ServerContext context) {
        HcmCounters counters = new HcmCounters(context.stats().meterRegistry(),
                "envoy_http_basic_auth_allowed", "envoy_http_basic_auth_denied");
        return () -> new BasicAuthFilter(config, counters);
    }
}
