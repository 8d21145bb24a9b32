package io.remora.extensions.filters.http.ratelimit;

import io.remora.extensions.filters.common.HeaderAdditions;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.http.filter.StreamFilterBase;
import io.remora.server.ServerContext;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Makes the global rate limit filter of each stream; holds what one config shares across streams. */
final class RateLimitFilterFactory implements HttpFilterFactory {

    final RateLimitConfig config;
    final ServerContext context;
    final RateLimitClient client;
    final HeaderAdditions responseHeaders;
    private final Map<String, RateLimitStats> stats = new ConcurrentHashMap<>();

    RateLimitFilterFactory(RateLimitConfig config, ServerContext context) {
        this.config = config;
        this.context = context;
        this.client = new RateLimitClient(config.service());
        this.responseHeaders = HeaderAdditions.of(config.responseHeadersToAdd());
    }

    /** The counters under the route's cluster, bound on first use. */
    RateLimitStats stats(String cluster) {
        RateLimitStats s = stats.get(cluster);
        return s != null ? s : stats.computeIfAbsent(cluster,
                c -> new RateLimitStats(context.stats().meterRegistry(), c, config.statPrefix()));
    }

    @Override
    public StreamFilterBase newFilter() {
        return new RateLimitFilter(this);
    }

    static final class Provider implements HttpFilterFactory.Provider<RateLimitConfig> {
        @Override
        public Class<RateLimitConfig> configType() {
            return RateLimitConfig.class;
        }

        @Override
        public HttpFilterFactory create(RateLimitConfig config, ServerContext context) {
            return new RateLimitFilterFactory(config, context);
        }
    }
}
