package io.remora.extensions.filters.http.rbac;

import io.remora.http.filter.HttpFilterFactory;
import io.remora.rbac.RbacStats;
import io.remora.server.ServerContext;

/** Builds the per-stream {@link RbacFilter}s of one configured RBAC filter. */
public final class RbacFilterProvider implements HttpFilterFactory.Provider<RbacConfig> {

    @Override
    public Class<RbacConfig> configType() {
        return RbacConfig.class;
    }

    @Override
    public HttpFilterFactory create(RbacConfig config, ServerContext context) {
        return new Factory(config, context);
    }

    /** One per connection manager; the stats bind to its stat prefix. */
    static final class Factory implements HttpFilterFactory {
        final RbacConfig config;
        private final ServerContext context;
        /*
         * The factory API does not pass the connection manager's stat prefix, so the counters are
         * bound on the first request (from the stream's connection manager) and kept: one factory
         * serves exactly one connection manager. Racing workers register the same meters.
         */
        private volatile RbacStats stats;

        Factory(RbacConfig config, ServerContext context) {
            this.config = config;
            this.context = context;
        }

        RbacStats stats(String hcmPrefix) {
            RbacStats s = stats;
            if (s == null) {
                s = RbacStats.http(context.stats().meterRegistry(), hcmPrefix, config.rulesStatPrefix(),
                        config.shadowRulesStatPrefix());
                stats = s;
            }
            return s;
        }

        @Override
        public RbacFilter newFilter() {
            return new RbacFilter(this);
        }
    }
}
