package io.remora.extensions.filters.http.ext_authz;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.stats.HttpConnManagerStats;

/**
 * Envoy's {@code http.<hcm_prefix>.ext_authz.[<stat_prefix>.]*} counters; in Prometheus form
 * {@code envoy_http_ext_authz_ok{envoy_http_conn_manager_prefix="..."}}.
 */
final class ExtAuthzStats {

    final Counter ok;
    final Counter denied;
    final Counter error;
    final Counter disabled;
    final Counter failureModeAllowed;
    final Counter invalid;
    final Counter filterStateNameCollision;
    final Counter ignoredDynamicMetadata;
    /**
     * Envoy counts it only under enforce_response_header_limits (off by default), which the 1.0.49
     * API lacks: stays 0 as in Envoy with that field unset.
     */
    final Counter omittedResponseHeaders;
    final Counter requestHeaderLimitsReached;
    /** Declared by Envoy's ALL_EXT_AUTHZ_FILTER_STATS but never counted by its filter: stays 0. */
    final Counter responseHeaderLimitsReached;

    ExtAuthzStats(MeterRegistry r, String hcmPrefix, String statPrefix) {
        String base = "envoy_http_ext_authz_" + (statPrefix.isEmpty() ? "" : io.remora.stats.StatNames.sanitize(statPrefix) + "_");
        ok = c(r, base + "ok", hcmPrefix);
        denied = c(r, base + "denied", hcmPrefix);
        error = c(r, base + "error", hcmPrefix);
        disabled = c(r, base + "disabled", hcmPrefix);
        failureModeAllowed = c(r, base + "failure_mode_allowed", hcmPrefix);
        invalid = c(r, base + "invalid", hcmPrefix);
        filterStateNameCollision = c(r, base + "filter_state_name_collision", hcmPrefix);
        ignoredDynamicMetadata = c(r, base + "ignored_dynamic_metadata", hcmPrefix);
        omittedResponseHeaders = c(r, base + "omitted_response_headers", hcmPrefix);
        requestHeaderLimitsReached = c(r, base + "request_header_limits_reached", hcmPrefix);
        responseHeaderLimitsReached = c(r, base + "response_header_limits_reached", hcmPrefix);
    }

    private static Counter c(MeterRegistry r, String name, String hcmPrefix) {
        return Counter.builder(name).tag(HttpConnManagerStats.TAG, hcmPrefix).register(r);
    }
}
