package io.remora.extensions.filters.http.jwt_authn;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.stats.HttpConnManagerStats;

/**
 * Envoy's {@code http.<hcm_prefix>.jwt_authn.[<stat_prefix>]*} counters; in Prometheus form
 * {@code envoy_http_jwt_authn_allowed{envoy_http_conn_manager_prefix="..."}}.
 */
final class JwtAuthnStats {

    final Counter allowed;
    final Counter denied;
    final Counter corsPreflightBypassed;
    final Counter jwksFetchSuccess;
    final Counter jwksFetchFailed;
    final Counter jwtCacheHit;
    final Counter jwtCacheMiss;

    JwtAuthnStats(MeterRegistry r, String hcmPrefix, String statPrefix) {
        String base = "envoy_http_jwt_authn_" + io.remora.stats.StatNames.sanitize(statPrefix);
        allowed = c(r, base + "allowed", hcmPrefix);
        denied = c(r, base + "denied", hcmPrefix);
        corsPreflightBypassed = c(r, base + "cors_preflight_bypassed", hcmPrefix);
        jwksFetchSuccess = c(r, base + "jwks_fetch_success", hcmPrefix);
        jwksFetchFailed = c(r, base + "jwks_fetch_failed", hcmPrefix);
        jwtCacheHit = c(r, base + "jwt_cache_hit", hcmPrefix);
        jwtCacheMiss = c(r, base + "jwt_cache_miss", hcmPrefix);
    }

    private static Counter c(MeterRegistry r, String name, String hcmPrefix) {
        return Counter.builder(name).tag(HttpConnManagerStats.TAG, hcmPrefix).register(r);
    }
}
