package io.remora.extensions.filters.http.ext_proc;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.stats.HttpConnManagerStats;
import io.remora.stats.StatNames;

/**
 * Envoy's {@code http.<hcm_prefix>.ext_proc.[<stat_prefix>.]*} counters; in Prometheus form
 * {@code envoy_http_ext_proc_streams_started{envoy_http_conn_manager_prefix="..."}}.
 */
final class ExtProcStats {

    final String hcmPrefix;
    final Counter streamsStarted;
    final Counter streamMsgsSent;
    final Counter streamMsgsReceived;
    final Counter spuriousMsgsReceived;
    final Counter streamsClosed;
    final Counter streamsFailed;
    final Counter failureModeAllowed;
    final Counter messageTimeouts;
    final Counter rejectedHeaderMutations;
    final Counter overrideMessageTimeoutReceived;
    final Counter overrideMessageTimeoutIgnored;
    final Counter clearRouteCacheIgnored;
    final Counter clearRouteCacheDisabled;

    ExtProcStats(MeterRegistry r, String hcmPrefix, String statPrefix) {
        this.hcmPrefix = hcmPrefix;
        String base = "envoy_http_ext_proc_" + (statPrefix.isEmpty() ? "" : StatNames.sanitize(statPrefix) + "_");
        streamsStarted = c(r, base + "streams_started", hcmPrefix);
        streamMsgsSent = c(r, base + "stream_msgs_sent", hcmPrefix);
        streamMsgsReceived = c(r, base + "stream_msgs_received", hcmPrefix);
        spuriousMsgsReceived = c(r, base + "spurious_msgs_received", hcmPrefix);
        streamsClosed = c(r, base + "streams_closed", hcmPrefix);
        streamsFailed = c(r, base + "streams_failed", hcmPrefix);
        failureModeAllowed = c(r, base + "failure_mode_allowed", hcmPrefix);
        messageTimeouts = c(r, base + "message_timeouts", hcmPrefix);
        rejectedHeaderMutations = c(r, base + "rejected_header_mutations", hcmPrefix);
        overrideMessageTimeoutReceived = c(r, base + "override_message_timeout_received", hcmPrefix);
        overrideMessageTimeoutIgnored = c(r, base + "override_message_timeout_ignored", hcmPrefix);
        clearRouteCacheIgnored = c(r, base + "clear_route_cache_ignored", hcmPrefix);
        clearRouteCacheDisabled = c(r, base + "clear_route_cache_disabled", hcmPrefix);
        // Envoy creates every counter of ALL_EXT_PROC_FILTER_STATS with the filter; these three count
        // what only an upstream filter or an HTTP external processor meets, which this one is not.
        c(r, base + "clear_route_cache_upstream_ignored", hcmPrefix);
        c(r, base + "send_immediate_resp_upstream_ignored", hcmPrefix);
        c(r, base + "http_not_ok_resp_received", hcmPrefix);
    }

    private static Counter c(MeterRegistry r, String name, String hcmPrefix) {
        return Counter.builder(name).tag(HttpConnManagerStats.TAG, hcmPrefix).register(r);
    }
}
