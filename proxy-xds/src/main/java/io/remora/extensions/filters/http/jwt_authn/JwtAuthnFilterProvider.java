package io.remora.extensions.filters.http.jwt_authn;

import io.remora.http.filter.HttpFilterFactory;
import io.remora.server.ServerContext;

/** Builds the per-stream {@link JwtAuthnFilter}s of one configured jwt_authn filter. */
final class JwtAuthnFilterProvider implements HttpFilterFactory.Provider<JwtAuthnConfig> {

    @Override
    public Class<JwtAuthnConfig> configType() {
        return JwtAuthnConfig.class;
    }

    @Override
    public HttpFilterFactory create(JwtAuthnConfig config, ServerContext context) {
        return new Factory(config, context);
    }

    /** One per connection manager; the stats bind to its stat prefix. */
    static final class Factory implements HttpFilterFactory {
        final JwtAuthnConfig config;
        private final ServerContext context;
        /*
         * The factory API does not pass the connection manager's stat prefix, so the counters are
         * bound on the first request and kept: one factory serves one connection manager. Racing
         * workers register the same meters.
         */
        private volatile JwtAuthnStats stats;

        Factory(JwtAuthnConfig config, ServerContext context) {
            this.config = config;
            this.context = context;
        }

        JwtAuthnStats stats(String hcmPrefix) {
            JwtAuthnStats s = stats;
            if (s == null) {
                s = new JwtAuthnStats(context.stats().meterRegistry(), hcmPrefix, config.statPrefix());
                stats = s;
            }
            return s;
        }

        @Override
        public JwtAuthnFilter newFilter() {
            return new JwtAuthnFilter(this);
        }
    }
}
