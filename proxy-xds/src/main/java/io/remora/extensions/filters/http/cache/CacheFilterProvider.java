package io.remora.extensions.filters.http.cache;

import io.remora.http.filter.HttpFilterFactory;
import io.remora.server.ServerContext;

/** Builds the per-stream {@link CacheFilter}s of one configured cache filter, all over the shared cache. */
final class CacheFilterProvider implements HttpFilterFactory.Provider<CacheFilterConfig> {

    @Override
    public Class<CacheFilterConfig> configType() {
        return CacheFilterConfig.class;
    }

    @Override
    public HttpFilterFactory create(CacheFilterConfig config, ServerContext context) {
        CacheStats stats = new CacheStats(context.stats().meterRegistry());
        return () -> new CacheFilter(config, SimpleHttpCache.SHARED, stats);
    }
}
