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
    /** Upstream filters' scopes by stats prefix: a cluster's, or the root for a router's. */
    private final java.util.concurrent.ConcurrentMap<String, Counter[]> upstreamScopes =
            new java.util.concurrent.ConcurrentHashMap<>();

    private record Bound(String prefix, Counter[] counters) {
    }

    /**
     * {@code names} are the full Prometheus names ({@code envoy_http_<filter>_<name>}); {@link #of}
     * returns their counters in this order.
     */
    public HcmCounters(MeterRegistry registry, String... names) {
        this.registry = registry;
        this.names = names.clone();
    }

    /**
     * The counters of the scope the filter behind {@code cb} counts in: its connection manager's,
     * or, upstream, its cluster's ({@code envoy_cluster_<filter>_<name>{envoy_cluster_name="…"}}) or
     * the root ({@code envoy_<filter>_<name>}), as Envoy's upstream filter factories' stats prefix.
     */
    public Counter[] of(io.remora.http.filter.DecoderFilterCallbacks cb) {
        String upstream = cb.upstreamStatPrefix();
        if (upstream == null) {
            return of(cb.connectionManagerStats().prefix());
        }
        return upstreamScopes.computeIfAbsent(upstream, this::upstreamCounters);
    }

    private Counter[] upstreamCounters(String prefix) {
        Counter[] counters = new Counter[names.length];
        boolean cluster = prefix.startsWith("cluster.");
        for (int i = 0; i < names.length; i++) {
            String stat = names[i].substring("envoy_http_".length());
            counters[i] = cluster
                    ? Counter.builder("envoy_cluster_" + stat).tag(io.remora.stats.ClusterStats.TAG,
                            prefix.substring("cluster.".length(), prefix.length() - 1)).register(registry)
                    : Counter.builder("envoy_" + stat).register(registry);
        }
        return counters;
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
