package io.remora.extensions.filters.http.cache;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Envoy's {@code cache.event} counters, tagged {@code cache_label} (the storage's name,
 * {@code envoy.extensions.http.cache.simple}, '.' as '_') and {@code event_type}; in /stats
 * {@code cache.event.cache_label.envoy_extensions_http_cache_simple.event_type.hit}. Events: hit
 * (one validated by a 304 included), miss, validate (a stale entry sent upstream to validate),
 * failed_validation (answered other than 304), uncacheable (a response not stored).
 */
final class CacheStats {

    static final String LABEL = "envoy_extensions_http_cache_simple";

    final Counter hit;
    final Counter miss;
    final Counter validate;
    final Counter failedValidation;
    final Counter uncacheable;

    CacheStats(MeterRegistry r) {
        hit = counter(r, "hit");
        miss = counter(r, "miss");
        validate = counter(r, "validate");
        failedValidation = counter(r, "failed_validation");
        uncacheable = counter(r, "uncacheable");
    }

    private static Counter counter(MeterRegistry r, String event) {
        return Counter.builder("envoy_cache_event").tag("envoy_cache_label", LABEL).tag("envoy_event_type", event)
                .register(r);
    }
}
