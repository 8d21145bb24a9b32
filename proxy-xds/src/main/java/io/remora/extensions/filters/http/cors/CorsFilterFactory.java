package io.remora.extensions.filters.http.cors;

import io.micrometer.core.instrument.MeterRegistry;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.http.filter.StreamFilterBase;

/**
 * The CORS filter of one connection manager. The factory is not told its connection manager's
 * stat prefix, so the counters are bound on the first stream (from the stream's connection
 * manager stats) and kept: one volatile read per stream afterwards.
 */
final class CorsFilterFactory implements HttpFilterFactory {

    private final MeterRegistry registry;
    private volatile CorsStats stats;

    CorsFilterFactory(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public StreamFilterBase newFilter() {
        return new CorsFilter(this);
    }

    CorsStats stats(String prefix) {
        CorsStats s = stats;
        if (s == null || !s.prefix.equals(prefix)) {
            s = new CorsStats(registry, prefix);
            stats = s;
        }
        return s;
    }
}
