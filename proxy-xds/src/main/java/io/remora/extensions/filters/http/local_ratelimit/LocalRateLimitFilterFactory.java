package io.remora.extensions.filters.http.local_ratelimit;

import io.remora.http.filter.HttpFilterFactory;
import io.remora.http.filter.StreamFilterBase;
import io.remora.server.ServerContext;

/** Makes the local rate limit filter of each stream. */
final class LocalRateLimitFilterFactory implements HttpFilterFactory {

    final LocalRateLimitRuntime runtime;
    final ServerContext context;

    LocalRateLimitFilterFactory(LocalRateLimitConfig config, ServerContext context) {
        this.context = context;
        LocalClusterShare.requireLocalCluster(config, context.clusterManager());
        this.runtime = LocalRateLimitRuntime.of(config, context);
    }

    @Override
    public StreamFilterBase newFilter() {
        return new LocalRateLimitFilter(this);
    }

    static final class Provider implements HttpFilterFactory.Provider<LocalRateLimitConfig> {
        @Override
        public Class<LocalRateLimitConfig> configType() {
            return LocalRateLimitConfig.class;
        }

        @Override
        public HttpFilterFactory create(LocalRateLimitConfig config, ServerContext context) {
            return new LocalRateLimitFilterFactory(config, context);
        }
    }
}
