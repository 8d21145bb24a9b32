package io.remora.extensions.filters.http.common;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.stats.HttpConnManagerStats;

/**
 * A filter's counters in its connection manager's scope (Envoy's {@code http.<stat_prefix>.<filter>.*},
 * Prometheus {@code envoy_http_<filter>_<name>{envoy_http_conn_manager_prefix="…"}}). A filter
 * factory is not told its connection manager's stat prefix, so the counters are bound on the first
 * stream and kept: one volatile read per stream afterwards.
 */
public final class HcmCounters {

    private final MeterRegistry registry;
    private final String[] names;
    private volatile Bound bound;

    private record Bound(String prefix, Counter[] counters) {
    }

    /** {@code names} are the full Prometheus names; {@link #of} returns their counters in this order. */
    public HcmCounters(MeterRegistry registry, String... names) {
        this.registry = registry;
        this.names = names.clone();
    }

    public Counter[] of(String prefix) {
        Bound b = bound;
        if (b == null || !b.prefix.equals(prefix)) {
            Counter[] counters = new Counter[names.length];
            for (int i = 0; i < names.length; i++) {
                counters[i] = Counter.builder(names[i]).tag(HttpConnManagerStats.TAG, prefix).register(registry);
            }
            b = new Bound(prefix, counters);
            bound = b;
        }
        return b.counters;
    }

    /** The counters last bound by {@link #of}, or null before the first stream. */
    public Counter[] boundOrNull() {
        Bound b = bound;
        return b == null ? null : b.counters;
    }
}
