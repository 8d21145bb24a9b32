package io.remora.extensions.filters.http.lua;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.stats.EnvoyBuckets;
import io.remora.stats.HttpConnManagerStats;
import io.remora.stats.StatNames;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Envoy's {@code http.<hcm_prefix>.lua.[<stat_prefix>.]errors} and {@code executions}; in
 * Prometheus form {@code envoy_http_lua_errors{envoy_http_conn_manager_prefix="..."}}. The
 * scripts' own counters, gauges and histograms ({@code handle:stats()}) live in the same scope.
 */
final class LuaStats {

    final Counter errors;
    final Counter executions;
    private final MeterRegistry registry;
    private final String base;
    private final String hcmPrefix;
    /** A script's gauges by name: the registry holds each one's value only weakly. */
    private final ConcurrentMap<String, AtomicLong> gauges = new ConcurrentHashMap<>();

    LuaStats(MeterRegistry r, String hcmPrefix, String statPrefix) {
        this.registry = r;
        this.hcmPrefix = hcmPrefix;
        this.base = "envoy_http_lua_" + (statPrefix.isEmpty() ? "" : StatNames.sanitize(statPrefix) + "_");
        errors = counter("errors");
        executions = counter("executions");
    }

    Counter counter(String name) {
        return Counter.builder(base + StatNames.sanitize(name)).tag(HttpConnManagerStats.TAG, hcmPrefix).register(registry);
    }

    AtomicLong gauge(String name) {
        return gauges.computeIfAbsent(name, n -> {
            AtomicLong value = new AtomicLong();
            Gauge.builder(base + StatNames.sanitize(n), value, AtomicLong::get)
                    .tag(HttpConnManagerStats.TAG, hcmPrefix).register(registry);
            return value;
        });
    }

    DistributionSummary histogram(String name) {
        return DistributionSummary.builder(base + StatNames.sanitize(name)).tag(HttpConnManagerStats.TAG, hcmPrefix)
                .serviceLevelObjectives(EnvoyBuckets.MILLIS).register(registry);
    }
}
