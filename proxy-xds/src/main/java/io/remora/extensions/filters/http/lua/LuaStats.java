package io.remora.extensions.filters.http.lua;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.stats.HttpConnManagerStats;
import io.remora.stats.StatNames;

/**
 * Envoy's {@code http.<hcm_prefix>.lua.[<stat_prefix>.]errors} and {@code executions}; in
 * Prometheus form {@code envoy_http_lua_errors{envoy_http_conn_manager_prefix="..."}}.
 */
final class LuaStats {

    final Counter errors;
    final Counter executions;

    LuaStats(MeterRegistry r, String hcmPrefix, String statPrefix) {
        String base = "envoy_http_lua_" + (statPrefix.isEmpty() ? "" : StatNames.sanitize(statPrefix) + "_");
        errors = Counter.builder(base + "errors").tag(HttpConnManagerStats.TAG, hcmPrefix).register(r);
        executions = Counter.builder(base + "executions").tag(HttpConnManagerStats.TAG, hcmPrefix).register(r);
    }
}
