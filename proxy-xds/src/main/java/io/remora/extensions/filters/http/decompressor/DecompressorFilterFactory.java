package io.remora.extensions.filters.http.decompressor;

import io.micrometer.core.instrument.MeterRegistry;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.http.filter.StreamFilterBase;

/**
 * One configured decompressor of a connection manager; counters bound on the first stream (whose
 * connection manager stats carry the stat prefix the factory is not given) and kept.
 */
final class DecompressorFilterFactory implements HttpFilterFactory {

    final DecompressorConfig config;
    private final MeterRegistry registry;
    private volatile DecompressorStats stats;

    DecompressorFilterFactory(DecompressorConfig config, MeterRegistry registry) {
        this.config = config;
        this.registry = registry;
    }

    @Override
    public StreamFilterBase newFilter() {
        return new DecompressorFilter(this);
    }

    DecompressorStats stats(String prefix) {
        DecompressorStats s = stats;
        if (s == null || !s.prefix.equals(prefix)) {
            s = new DecompressorStats(registry, prefix, config);
            stats = s;
        }
        return s;
    }
}
