package io.remora.extensions.filters.http.local_ratelimit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Envoy's {@code <stat_prefix>.http_local_rate_limit.{enabled,enforced,rate_limited,ok}}; in
 * Prometheus {@code envoy_http_local_rate_limit_enabled{envoy_local_http_ratelimit_prefix="…"}}
 * (Envoy's tag extractor takes the stat_prefix out of the name).
 */
final class LocalRateLimitStats {

    static final String TAG = "envoy_local_http_ratelimit_prefix";

    final Counter enabled;
    final Counter enforced;
    final Counter rateLimited;
    final Counter ok;

    LocalRateLimitStats(MeterRegistry r, String statPrefix) {
        enabled = Counter.builder("envoy_http_local_rate_limit_enabled").tag(TAG, statPrefix).register(r);
        enforced = Counter.builder("envoy_http_local_rate_limit_enforced").tag(TAG, statPrefix).register(r);
        rateLimited = Counter.builder("envoy_http_local_rate_limit_rate_limited").tag(TAG, statPrefix).register(r);
        ok = Counter.builder("envoy_http_local_rate_limit_ok").tag(TAG, statPrefix).register(r);
    }
}
