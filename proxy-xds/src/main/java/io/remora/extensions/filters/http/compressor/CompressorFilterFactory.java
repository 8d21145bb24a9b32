package io.remora.extensions.filters.http.compressor;

import io.micrometer.core.instrument.MeterRegistry;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.http.filter.StreamFilterBase;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * One configured compressor of a connection manager, or of a cluster's or router's upstream filters.
 * Its counters are bound on the first stream, whose connection manager stats (or, upstream, whose
 * upstream scope) carry the stat prefix the factory is not given, and kept.
 */
final class CompressorFilterFactory implements HttpFilterFactory {

    final CompressorConfig config;
    private final MeterRegistry registry;
    private volatile CompressorStats stats;
    /** Upstream: by the scope Envoy gives upstream filter factories ({@code cluster.<name>.}, or the root). */
    private final ConcurrentMap<String, CompressorStats> upstream = new ConcurrentHashMap<>();

    CompressorFilterFactory(CompressorConfig config, MeterRegistry registry) {
        this.config = config;
        this.registry = registry;
    }

    @Override
    public StreamFilterBase newFilter() {
        return new CompressorFilter(this);
    }

    CompressorStats stats(DecoderFilterCallbacks callbacks) {
        String scope = callbacks.upstreamStatPrefix();
        if (scope != null) {
            return upstream.computeIfAbsent(scope, sc -> CompressorStats.upstream(registry, sc, config));
        }
        return stats(callbacks.connectionManagerStats().prefix());
    }

    private CompressorStats stats(String prefix) {
        CompressorStats s = stats;
        if (s == null || !s.prefix.equals(prefix)) {
            s = new CompressorStats(registry, prefix, config);
            stats = s;
        }
        return s;
    }
}
