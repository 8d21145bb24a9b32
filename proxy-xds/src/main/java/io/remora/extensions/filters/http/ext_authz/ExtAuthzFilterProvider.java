package io.remora.extensions.filters.http.ext_authz;

import io.remora.http.filter.HttpFilterFactory;
import io.remora.server.ServerContext;

/** Builds the per-stream {@link ExtAuthzFilter}s of one configured ext_authz filter. */
public final class ExtAuthzFilterProvider implements HttpFilterFactory.Provider<ExtAuthzConfig> {

    @Override
    public Class<ExtAuthzConfig> configType() {
        return ExtAuthzConfig.class;
    }

    @Override
    public HttpFilterFactory create(ExtAuthzConfig config, ServerContext context) {
        return new Factory(config, context);
    }

    static final class Factory implements HttpFilterFactory {
        final ExtAuthzConfig config;
        final AuthzClient client;
        private final ServerContext context;
        /* Bound on the first request: the factory API does not pass the connection manager's stat prefix. */
        private volatile ExtAuthzStats stats;

        Factory(ExtAuthzConfig config, ServerContext context) {
            this.config = config;
            this.context = context;
            this.client = config.service() instanceof GrpcServiceConfig g ? new GrpcAuthzClient(g, config.encodeRawHeaders())
                    : new HttpAuthzClient((HttpServiceConfig) config.service());
        }

        ExtAuthzStats stats(String hcmPrefix) {
            ExtAuthzStats s = stats;
            if (s == null) {
                s = new ExtAuthzStats(context.stats().meterRegistry(), hcmPrefix, config.statPrefix());
                stats = s;
            }
            return s;
        }

        @Override
        public ExtAuthzFilter newFilter() {
            return new ExtAuthzFilter(this);
        }
    }
}
