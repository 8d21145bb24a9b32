package io.remora.extensions.filters.http.compressor;

import io.micrometer.core.instrument.MeterRegistry;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.http.filter.StreamFilterBase;

/**
 * One configured compressor of a connection manager. Its counters are bound on the first stream,
 * whose connection manager stats carry the stat prefix the factory is not given, and kept.
 */
final class CompressorFilterFactory implements HttpFilterFactory {

    final CompressorConfig config;
    private final MeterRegistry registry;
    private volatile CompressorStats stats;

    CompressorFilterFactory(CompressorConfig config, MeterRegistry registry) {
        this.config = config;
        this.registry = registry;
    }

    @Override
    public StreamFilterBase newFilter() {
        return new CompressorFilter(this);
    }

    CompressorStats stats(String prefix) {
        CompressorStats s = stats;
        if (s == null || !s.prefix.equals(prefix)) {
            s = new CompressorStats(registry, prefix, config);
            stats = s;
        }
        return s;
    }
}
