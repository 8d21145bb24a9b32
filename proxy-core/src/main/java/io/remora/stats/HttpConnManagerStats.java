package io.remora.stats;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.concurrent.atomic.AtomicLong;

/** Envoy's {@code http.<stat_prefix>.*} stats. */
public final class HttpConnManagerStats {
    public static final String TAG = "envoy_http_conn_manager_prefix";

    /** The downstream codecs' headers_with_underscores_action counts (Envoy's http1./http2. scopes). */
    public final Counter http1DroppedHeadersWithUnderscores;
    public final Counter http1ResponseFlood;
    public final Counter http1RequestsRejectedWithUnderscores;
    public final Counter http2DroppedHeadersWithUnderscores;
    public final Counter http2RequestsRejectedWithUnderscores;
    public final Counter downstreamRqTotal;
    public final Counter downstreamCxTotal;
    public final Counter downstreamCxHttp1Total;
    public final Counter downstreamCxHttp2Total;
    public final Counter downstreamCxDestroy;
    public final Counter downstreamRqHttp1Total;
    public final Counter downstreamRqHttp2Total;
    public final Counter downstreamRqRxReset;
    /** Connections cut for resetting too many of their streams before a response (Envoy's premature resets). */
    public final Counter downstreamRqTooManyPrematureResets;
    public final Counter downstreamRqTxReset;
    public final Counter downstreamRqTimeout;
    public final Counter downstreamRqIdleTimeout;
    public final Counter downstreamCxProtocolError;
    public final Counter downstreamRqTooLarge;
    public final Counter rsTooLarge;
    public final Counter downstreamCxRxBytesTotal;
    public final Counter downstreamCxTxBytesTotal;
    public final Counter noRoute;
    public final Counter noCluster;
    public final Counter rqDirectResponse;
    /** The router's {@code rq_overload_local_reply}: requests it answered 503 for the http_downstream_filter_check load shed point. */
    public final Counter rqOverloadLocalReply;
    /** Listed as Envoy lists it, never counted: Envoy's router counts a redirect route as {@link #rqDirectResponse}. */
    public final Counter rqRedirect;
    /** Upstream redirects an internal redirect policy let through to the client, by Envoy's reason. */
    public final Counter passthroughInternalRedirectBadLocation;
    public final Counter passthroughInternalRedirectUnsafeScheme;
    public final Counter passthroughInternalRedirectTooManyRedirects;
    public final Counter passthroughInternalRedirectNoRoute;
    public final Counter passthroughInternalRedirectPredicate;
    /** Streams that took an upgrade filter chain (WebSocket, CONNECT), and those still open. */
    public final Counter downstreamCxUpgradesTotal;
    public final AtomicLong downstreamCxUpgradesActive = new AtomicLong();
    /** Upgrade requests refused (403 upgrade_failed). */
    public final Counter downstreamRqWsOnNonWsRoute;
    /** Requests answered 503 by the overload manager's stop_accepting_requests. */
    public final Counter downstreamRqOverloadClose;
    /** Connections closed (HTTP/1) or drained (HTTP/2) by disable_http_keepalive. */
    public final Counter downstreamCxOverloadDisableKeepalive;
    /** Requests answered 400 for a path that could not be normalized (or escaped slashes refused). */
    public final Counter downstreamRqFailedPathNormalization;
    public final Counter downstreamRqNonRelativePath;
    /** Requests answered 307 to their path with its escaped slashes decoded. */
    public final Counter downstreamRqRedirectedWithNormalizedPath;
    /** Requests whose headers did not complete in request_headers_timeout. */
    public final Counter downstreamRqHeaderTimeout;
    /** Connections drained because max_connection_duration elapsed. */
    public final Counter downstreamCxMaxDurationReached;
    public final Counter downstreamRqMaxDurationReached;
    /** Requests refused because an original_ip_detection extension with reject options found no address. */
    public final Counter downstreamRqRejectedViaIpDetection;
    /** Connections closed (HTTP/1) or drained (HTTP/2) at max_requests_per_connection. */
    public final Counter downstreamCxMaxRequestsReached;
    public final AtomicLong downstreamCxActive = new AtomicLong();
    public final AtomicLong downstreamRqActive = new AtomicLong();
    /** Connections over TLS (Envoy: the connection has an ssl()), and those open. */
    public final Counter downstreamCxSslTotal;
    public final AtomicLong downstreamCxSslActive = new AtomicLong();
    /** Open connections by the codec they got (none yet while the first bytes are awaited). */
    public final AtomicLong downstreamCxHttp1Active = new AtomicLong();
    public final AtomicLong downstreamCxHttp2Active = new AtomicLong();
    /** Closed connections by who closed the socket, and those closed with a request in progress. */
    public final Counter downstreamCxDestroyLocal;
    public final Counter downstreamCxDestroyRemote;
    public final Counter downstreamCxDestroyActiveRq;
    public final Counter downstreamCxDestroyLocalActiveRq;
    public final Counter downstreamCxDestroyRemoteActiveRq;
    /** Connections that began to close because their listener (or the server) drained. */
    public final Counter downstreamCxDrainClose;
    public final Counter downstreamCxIdleTimeout;
    /** Connections whose delayed close timed out before the client closed. */
    public final Counter downstreamCxDelayedCloseTimeout;
    /** Each time a decoder filter asked to pause (or resume) the downstream's reads. */
    public final Counter downstreamFlowControlPausedReadingTotal;
    public final Counter downstreamFlowControlResumedReadingTotal;
    /** Responses whose headers went out before their request had been read to its end. */
    public final Counter downstreamRqResponseBeforeRqComplete;
    /** Requests that got a response (counted with downstream_rq_&lt;N&gt;xx). */
    public final Counter downstreamRqCompleted;
    /** Envoy's {@code http2.keepalive_timeout} (downstream codecs, not per prefix): connections closed for want of a PING ACK. */
    public final Counter http2KeepaliveTimeout;
    /** Envoy's http2.goaway_sent: final GOAWAYs (drain, idle, load shed), not the shutdown notice. */
    public final Counter http2GoawaySent;
    /** Envoy's {@code http2.outbound_control_flood}: connections cut off for leaving too many PING/SETTINGS ACKs and RST_STREAMs unread. */
    public final Counter http2OutboundControlFlood;
    /** Envoy's {@code http2.rx_messaging_error}: invalid requests (a stream's, or its connection's by default). */
    public final Counter http2RxMessagingError;
    /** Envoy's {@code http2.header_overflow}: requests reset for headers past max_request_headers_kb or max_headers_count. */
    public final Counter http2HeaderOverflow;
    /** Envoy's {@code http2.inbound_*_flood}: connections cut off by an inbound frame-flood limit. */
    public final Http2FloodStats http2Floods;
    /** Envoy's {@code http2.rx_reset}, {@code tx_reset}, {@code stream_refused_errors} and {@code trailers}. */
    public final Http2StreamStats http2Streams;
    /**
     * Envoy's {@code http2.tx_flush_timeout}: streams whose finished response the peer's closed
     * window held back longer than the stream idle timeout, reset.
     */
    public final Counter http2TxFlushTimeout;
    /** Envoy's {@code http2.outbound_flood}, its outbound frame gauges and {@code pending_send_bytes}. */
    public final Http2OutboundStats http2Outbound;
    /**
     * Envoy's {@code http2.streams_active}: downstream HTTP/2 streams the codecs hold open, shared by
     * every connection manager as Envoy's codecs share the listener's scope.
     */
    public final AtomicLong http2StreamsActive;
    /** Downstream request time in milliseconds. */
    public final DistributionSummary downstreamRqTime;
    private final Counter[] rqClass = new Counter[6];
    /** Held here: a gauge's value is weakly referenced. */
    private final AtomicLong http3Active = new AtomicLong();
    private final MeterRegistry registry;
    private final String prefix;

    HttpConnManagerStats(MeterRegistry r, String prefix, AtomicLong http2StreamsActive,
                         Http2OutboundStats.Gauges http2OutboundGauges) {
        this.registry = r;
        this.prefix = prefix;
        this.http2StreamsActive = http2StreamsActive;
        downstreamRqTotal = c("envoy_http_downstream_rq_total");
        downstreamCxTotal = c("envoy_http_downstream_cx_total");
        downstreamCxHttp1Total = c("envoy_http_downstream_cx_http1_total");
        downstreamCxHttp2Total = c("envoy_http_downstream_cx_http2_total");
        downstreamCxDestroy = c("envoy_http_downstream_cx_destroy");
        downstreamRqHttp1Total = c("envoy_http_downstream_rq_http1_total");
        downstreamRqHttp2Total = c("envoy_http_downstream_rq_http2_total");
        downstreamRqRxReset = c("envoy_http_downstream_rq_rx_reset");
        downstreamRqTooManyPrematureResets = c("envoy_http_downstream_rq_too_many_premature_resets");
        downstreamRqTxReset = c("envoy_http_downstream_rq_tx_reset");
        downstreamRqTimeout = c("envoy_http_downstream_rq_timeout");
        downstreamRqIdleTimeout = c("envoy_http_downstream_rq_idle_timeout");
        downstreamCxProtocolError = c("envoy_http_downstream_cx_protocol_error");
        downstreamRqTooLarge = c("envoy_http_downstream_rq_too_large");
        rsTooLarge = c("envoy_http_rs_too_large");
        downstreamCxRxBytesTotal = c("envoy_http_downstream_cx_rx_bytes_total");
        downstreamCxTxBytesTotal = c("envoy_http_downstream_cx_tx_bytes_total");
        noRoute = c("envoy_http_no_route");
        noCluster = c("envoy_http_no_cluster");
        rqDirectResponse = c("envoy_http_rq_direct_response");
        rqOverloadLocalReply = c("envoy_http_rq_overload_local_reply");
        rqRedirect = c("envoy_http_rq_redirect");
        passthroughInternalRedirectBadLocation = c("envoy_http_passthrough_internal_redirect_bad_location");
        passthroughInternalRedirectUnsafeScheme = c("envoy_http_passthrough_internal_redirect_unsafe_scheme");
        passthroughInternalRedirectTooManyRedirects =
                c("envoy_http_passthrough_internal_redirect_too_many_redirects");
        passthroughInternalRedirectNoRoute = c("envoy_http_passthrough_internal_redirect_no_route");
        passthroughInternalRedirectPredicate = c("envoy_http_passthrough_internal_redirect_predicate");
        downstreamCxUpgradesTotal = c("envoy_http_downstream_cx_upgrades_total");
        downstreamRqWsOnNonWsRoute = c("envoy_http_downstream_rq_ws_on_non_ws_route");
        Gauge.builder("envoy_http_downstream_cx_upgrades_active", downstreamCxUpgradesActive, AtomicLong::get)
                .tag(TAG, prefix).register(r);
        downstreamRqOverloadClose = c("envoy_http_downstream_rq_overload_close");
        downstreamCxOverloadDisableKeepalive = c("envoy_http_downstream_cx_overload_disable_keepalive");
        downstreamRqHeaderTimeout = c("envoy_http_downstream_rq_header_timeout");
        downstreamRqFailedPathNormalization = c("envoy_http_downstream_rq_failed_path_normalization");
        downstreamRqNonRelativePath = c("envoy_http_downstream_rq_non_relative_path");
        downstreamRqRedirectedWithNormalizedPath = c("envoy_http_downstream_rq_redirected_with_normalized_path");
        downstreamCxMaxDurationReached = c("envoy_http_downstream_cx_max_duration_reached");
        downstreamRqMaxDurationReached = c("envoy_http_downstream_rq_max_duration_reached");
        downstreamRqRejectedViaIpDetection = c("envoy_http_downstream_rq_rejected_via_ip_detection");
        downstreamCxMaxRequestsReached = c("envoy_http_downstream_cx_max_requests_reached");
        http2KeepaliveTimeout = Counter.builder("envoy_http2_keepalive_timeout").register(r);
        http2GoawaySent = Counter.builder("envoy_http2_goaway_sent").register(r);
        http2RxMessagingError = Counter.builder("envoy_http2_rx_messaging_error").register(r);
        http2HeaderOverflow = Counter.builder("envoy_http2_header_overflow").register(r);
        http2Floods = Http2FloodStats.register(r, "envoy_http2_");
        http2Streams = Http2StreamStats.register(r, "envoy_http2_");
        http2Outbound = Http2OutboundStats.register(r, "envoy_http2_", http2OutboundGauges);
        http2OutboundControlFlood = http2Outbound.outboundControlFlood();
        http2TxFlushTimeout = Counter.builder("envoy_http2_tx_flush_timeout").register(r);
        http1DroppedHeadersWithUnderscores = Counter.builder("envoy_http1_dropped_headers_with_underscores").register(r);
        http1ResponseFlood = Counter.builder("envoy_http1_response_flood").register(r);
        http1RequestsRejectedWithUnderscores =
                Counter.builder("envoy_http1_requests_rejected_with_underscores_in_headers").register(r);
        http2DroppedHeadersWithUnderscores = Counter.builder("envoy_http2_dropped_headers_with_underscores").register(r);
        http2RequestsRejectedWithUnderscores =
                Counter.builder("envoy_http2_requests_rejected_with_underscores_in_headers").register(r);
        Gauge.builder("envoy_http_downstream_cx_active", downstreamCxActive, AtomicLong::get).tag(TAG, prefix).register(r);
        Gauge.builder("envoy_http_downstream_rq_active", downstreamRqActive, AtomicLong::get).tag(TAG, prefix).register(r);
        downstreamCxSslTotal = c("envoy_http_downstream_cx_ssl_total");
        gauge("envoy_http_downstream_cx_ssl_active", downstreamCxSslActive);
        gauge("envoy_http_downstream_cx_http1_active", downstreamCxHttp1Active);
        gauge("envoy_http_downstream_cx_http2_active", downstreamCxHttp2Active);
        // No HTTP/3 here: listed as Envoy lists them, always 0.
        c("envoy_http_downstream_cx_http3_total");
        gauge("envoy_http_downstream_cx_http3_active", http3Active);
        c("envoy_http_downstream_rq_http3_total");
        downstreamCxDestroyLocal = c("envoy_http_downstream_cx_destroy_local");
        downstreamCxDestroyRemote = c("envoy_http_downstream_cx_destroy_remote");
        downstreamCxDestroyActiveRq = c("envoy_http_downstream_cx_destroy_active_rq");
        downstreamCxDestroyLocalActiveRq = c("envoy_http_downstream_cx_destroy_local_active_rq");
        downstreamCxDestroyRemoteActiveRq = c("envoy_http_downstream_cx_destroy_remote_active_rq");
        downstreamCxDrainClose = c("envoy_http_downstream_cx_drain_close");
        downstreamCxIdleTimeout = c("envoy_http_downstream_cx_idle_timeout");
        downstreamCxDelayedCloseTimeout = c("envoy_http_downstream_cx_delayed_close_timeout");
        downstreamFlowControlPausedReadingTotal = c("envoy_http_downstream_flow_control_paused_reading_total");
        downstreamFlowControlResumedReadingTotal = c("envoy_http_downstream_flow_control_resumed_reading_total");
        downstreamRqResponseBeforeRqComplete = c("envoy_http_downstream_rq_response_before_rq_complete");
        downstreamRqCompleted = c("envoy_http_downstream_rq_completed");
        // Not downstream_cx_length_ms: promtool refuses a name with an abbreviated unit (see
        // PrometheusExposition), and Envoy's name cannot change.
        downstreamRqTime = DistributionSummary.builder("envoy_http_downstream_rq_time").tag(TAG, prefix)
                .serviceLevelObjectives(EnvoyBuckets.MILLIS).register(r);
        for (int i = 1; i <= 5; i++) {
            rqClass[i] = Counter.builder("envoy_http_downstream_rq_xx").tag(TAG, prefix)
                    .tag("envoy_response_code_class", Integer.toString(i)).register(r);
        }
    }

    /** A filter's counter in a connection manager's scope ({@code http.<stat_prefix>.<name>}). */
    public static Counter counter(io.micrometer.core.instrument.MeterRegistry registry, String metric, String prefix) {
        return Counter.builder(metric).tag(TAG, prefix).register(registry);
    }

    private Counter c(String metric) {
        return Counter.builder(metric).tag(TAG, prefix).register(registry);
    }

    private void gauge(String metric, AtomicLong value) {
        Gauge.builder(metric, value, AtomicLong::get).tag(TAG, prefix).register(registry);
    }

    public String prefix() {
        return prefix;
    }

    /** Counts one response sent downstream by class ({@code downstream_rq_<N>xx}), as Envoy's chargeStats. */
    public void response(int status) {
        downstreamRqCompleted.increment();
        int cls = status / 100;
        if (cls >= 1 && cls <= 5) {
            rqClass[cls].increment();
        }
    }
}
