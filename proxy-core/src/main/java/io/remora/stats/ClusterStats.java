package io.remora.stats;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.concurrent.atomic.AtomicLong;

/** Envoy's {@code cluster.<name>.*} stats, bound once per cluster. */
public final class ClusterStats {
    public static final String TAG = "envoy_cluster_name";

    public final Counter upstreamRqTotal;
    public final Counter upstreamRqRetry;
    public final Counter upstreamRqRetrySuccess;
    public final Counter upstreamRqRetryOverflow;
    /** A retry the policy wanted with none left (the request's num_retries or x-envoy-max-retries). */
    public final Counter upstreamRqRetryLimitExceeded;
    /** Retries that waited the exponential back-off, and those that waited what a reset header asked. */
    public final Counter upstreamRqRetryBackoffExponential;
    public final Counter upstreamRqRetryBackoffRatelimited;
    /** A request body outgrew what may be held for a retry or a mirror: both given up. */
    public final Counter retryOrShadowAbandoned;
    /** Redirects an internal redirect policy followed, and those it had to pass to the client. */
    public final Counter upstreamInternalRedirectSucceededTotal;
    public final Counter upstreamInternalRedirectFailedTotal;
    public final Counter upstreamRqTimeout;
    public final Counter upstreamRqCompleted;
    public final Counter upstreamRqPerTryTimeout;
    public final Counter upstreamRqPerTryIdleTimeout;
    public final Counter upstreamRqPendingOverflow;
    /** A request the max_requests breaker turned away (Envoy 1.38; before, upstream_rq_pending_overflow). */
    public final Counter upstreamRqActiveOverflow;
    public final Counter upstreamCxTotal;
    public final Counter upstreamCxConnectFail;
    /** Connects whose socket could not be bound to the source address (Envoy's bind_errors). */
    public final Counter bindErrors;
    /** tcp_proxy sessions whose max_connect_attempts all failed. */
    public final Counter upstreamCxConnectAttemptsExceeded;
    public final Counter upstreamCxConnectTimeout;
    public final Counter upstreamCxDestroy;
    /** Upstream connections closed because a response broke the codec's rules. */
    public final Counter upstreamCxProtocolError;
    public final Counter upstreamCxRxBytesTotal;
    public final Counter upstreamCxTxBytesTotal;
    public final Counter upstreamRqTxReset;
    public final Counter upstreamRqRxReset;
    public final Counter upstreamCxNoneHealthy;
    public final Counter upstreamCxIdleTimeout;
    /** Pooled connections drained because max_connection_duration elapsed. */
    public final Counter upstreamCxMaxDurationReached;
    public final Counter upstreamRqMaxDurationReached;
    /** {@code cluster.<name>.http2.keepalive_timeout}: upstream connections closed for want of a PING ACK. */
    public final Counter http2KeepaliveTimeout;
    /** {@code cluster.<name>.http2.inbound_*_flood}: upstream connections cut off by an inbound frame-flood limit. */
    public final Http2FloodStats http2Floods;
    /**
     * {@code cluster.<name>.http2.outbound_flood}, {@code outbound_control_flood}, the outbound frame
     * gauges and {@code pending_send_bytes}: the cluster's HTTP/2 connections as Envoy's client codec
     * counts them.
     */
    public final Http2OutboundStats http2Outbound;
    /** {@code cluster.<name>.http2.rx_messaging_error}: invalid responses (a stream's, or its connection's by default). */
    public final Counter http2RxMessagingError;
    /** {@code cluster.<name>.http2.header_overflow}: responses whose headers broke the cluster's limits. */
    public final Counter http2HeaderOverflow;
    /** {@code cluster.<name>.http2.rx_reset}: RST_STREAM frames upstreams sent. */
    public final Counter http2RxReset;
    /** {@code cluster.<name>.http2.rx_reset}, {@code tx_reset} (RST_STREAM frames sent upstream), the rest 0. */
    public final Http2StreamStats http2Streams;
    /** {@code cluster.<name>.http2.streams_active}: upstream HTTP/2 streams open, from their HEADERS to their close. */
    public final AtomicLong http2StreamsActive = new AtomicLong();
    public final AtomicLong upstreamCxActive = new AtomicLong();
    public final AtomicLong upstreamRqActive = new AtomicLong();
    /** Envoy's membership gauges: healthy and degraded apart, excluded (pending first check, immediate fail). */
    public final AtomicLong membershipHealthy = new AtomicLong();
    public final AtomicLong membershipDegraded = new AtomicLong();
    public final AtomicLong membershipExcluded = new AtomicLong();
    public final AtomicLong membershipTotal = new AtomicLong();
    /** {@code max_host_weight}: set by service discovery (EDS, DNS) updates only, as Envoy's updateDynamicHostList. */
    public final AtomicLong maxHostWeight = new AtomicLong();
    /** {@code membership_change}: one per priority whose hosts came or went in an update. */
    public final Counter membershipChange;
    /** {@code original_dst_host_invalid}: an ORIGINAL_DST http_header_name value that is no IP:port. */
    public final Counter originalDstHostInvalid;
    /** {@code upstream_cx_pool_overflow}: a pool was not made, max_connection_pools reached. */
    public final Counter upstreamCxPoolOverflow;
    /** A pool wanted a connection past max_connections or the host's per-host max_connections. */
    public final Counter upstreamCxOverflow;
    /**
     * A pool's connection closed (Envoy's reportUpstreamCxDestroy): by this side or the peer, and again when a
     * request was still on it (reportUpstreamCxDestroyActiveRequest).
     */
    public final Counter upstreamCxDestroyLocal;
    public final Counter upstreamCxDestroyRemote;
    public final Counter upstreamCxDestroyWithActiveRq;
    public final Counter upstreamCxDestroyLocalWithActiveRq;
    public final Counter upstreamCxDestroyRemoteWithActiveRq;
    /** The upstream announced the connection's end: HTTP/2 GOAWAY, or a response that closes an HTTP/1 connection. */
    public final Counter upstreamCxCloseNotify;
    /** A connection took the last request max_requests_per_connection allows it. */
    public final Counter upstreamCxMaxRequests;
    /** Requests that waited for a pooled connection; those cancelled meanwhile, and those failed with its connect. */
    public final Counter upstreamRqPendingTotal;
    public final Counter upstreamRqCancelled;
    public final Counter upstreamRqPendingFailureEject;
    public final AtomicLong upstreamRqPendingActive = new AtomicLong();
    /** From the start of a pool's connect to its end (TLS included), and to the connection's close. */
    public final DistributionSummary upstreamCxConnectMs;
    public final DistributionSummary upstreamCxLengthMs;
    /**
     * Envoy's flow control on upstream streams: reads paused and resumed because the downstream could not take
     * more (the router's DownstreamWatermarkManager, tcp_proxy's readDisableUpstream); the upstream backed up
     * and drained, pausing and resuming the downstream's reads (the router's upstream stream watermarks).
     */
    public final Counter upstreamFlowControlPausedReadingTotal;
    public final Counter upstreamFlowControlResumedReadingTotal;
    public final Counter upstreamFlowControlBackedUpTotal;
    public final Counter upstreamFlowControlDrainedTotal;
    /** Requests the router answered 503 because the runtime put the cluster in maintenance mode. */
    public final Counter upstreamRqMaintenanceMode;
    /** {@code upstream_rq_drop_overload}: requests drop_overloads answered 503; for load reports only, unpublished. */
    public final Counter upstreamRqDropOverload;
    /** EDS assignments that carried endpoint_stale_after, and those that went stale. */
    public final Counter assignmentTimeoutReceived;
    public final Counter assignmentStale;
    /** {@code update_*}, {@code assignment_*}, {@code version}, {@code warming_state}: Envoy's ClusterConfigUpdateStats. */
    public final ClusterConfigUpdateStats configUpdate;
    /** HTTP/1.1 and HTTP/2 connections opened ({@code upstream_cx_http1_total}, {@code upstream_cx_http2_total}). */
    public final Counter upstreamCxHttp1Total;
    public final Counter upstreamCxHttp2Total;
    /** {@code circuit_breakers.default.*} and {@code circuit_breakers.high.*}. */
    public final CircuitBreakerStats circuitBreakersDefault;
    public final CircuitBreakerStats circuitBreakersHigh;
    /** Upstream request time in milliseconds, with Envoy's histogram buckets. */
    public final DistributionSummary upstreamRqTime;
    private final ResponseCodeCounters codes;
    /** {@code zone.<local zone>.<upstream zone>.*}: charged only when the node names its zone. */
    public final ZoneCodeStats zones;
    private final MeterRegistry registry;
    private final String name;
    private final TcpStatsMeters.OnFirstUse tcpStats;

    ClusterStats(MeterRegistry r, String name) {
        this.registry = r;
        this.name = name;
        this.tcpStats = new TcpStatsMeters.OnFirstUse(() -> TcpStatsMeters.cluster(r, name));
        upstreamRqTotal = c("envoy_cluster_upstream_rq_total");
        upstreamRqRetry = c("envoy_cluster_upstream_rq_retry");
        upstreamRqRetrySuccess = c("envoy_cluster_upstream_rq_retry_success");
        upstreamRqRetryOverflow = c("envoy_cluster_upstream_rq_retry_overflow");
        upstreamRqRetryLimitExceeded = c("envoy_cluster_upstream_rq_retry_limit_exceeded");
        upstreamRqRetryBackoffExponential = c("envoy_cluster_upstream_rq_retry_backoff_exponential");
        upstreamRqRetryBackoffRatelimited = c("envoy_cluster_upstream_rq_retry_backoff_ratelimited");
        retryOrShadowAbandoned = c("envoy_cluster_retry_or_shadow_abandoned");
        upstreamInternalRedirectSucceededTotal = c("envoy_cluster_upstream_internal_redirect_succeeded_total");
        upstreamInternalRedirectFailedTotal = c("envoy_cluster_upstream_internal_redirect_failed_total");
        upstreamRqTimeout = c("envoy_cluster_upstream_rq_timeout");
        upstreamRqCompleted = c("envoy_cluster_upstream_rq_completed");
        upstreamRqPerTryTimeout = c("envoy_cluster_upstream_rq_per_try_timeout");
        upstreamRqPerTryIdleTimeout = c("envoy_cluster_upstream_rq_per_try_idle_timeout");
        upstreamRqPendingOverflow = c("envoy_cluster_upstream_rq_pending_overflow");
        upstreamRqActiveOverflow = c("envoy_cluster_upstream_rq_active_overflow");
        upstreamCxTotal = c("envoy_cluster_upstream_cx_total");
        upstreamCxConnectFail = c("envoy_cluster_upstream_cx_connect_fail");
        bindErrors = c("envoy_cluster_bind_errors");
        upstreamCxConnectAttemptsExceeded = c("envoy_cluster_upstream_cx_connect_attempts_exceeded");
        upstreamCxConnectTimeout = c("envoy_cluster_upstream_cx_connect_timeout");
        upstreamCxDestroy = c("envoy_cluster_upstream_cx_destroy");
        upstreamCxProtocolError = c("envoy_cluster_upstream_cx_protocol_error");
        upstreamCxRxBytesTotal = c("envoy_cluster_upstream_cx_rx_bytes_total");
        upstreamCxTxBytesTotal = c("envoy_cluster_upstream_cx_tx_bytes_total");
        upstreamRqTxReset = c("envoy_cluster_upstream_rq_tx_reset");
        upstreamRqRxReset = c("envoy_cluster_upstream_rq_rx_reset");
        upstreamCxNoneHealthy = c("envoy_cluster_upstream_cx_none_healthy");
        upstreamCxMaxDurationReached = c("envoy_cluster_upstream_cx_max_duration_reached");
        upstreamRqMaxDurationReached = c("envoy_cluster_upstream_rq_max_duration_reached");
        upstreamCxIdleTimeout = c("envoy_cluster_upstream_cx_idle_timeout");
        http2KeepaliveTimeout = c("envoy_cluster_http2_keepalive_timeout");
        http2Floods = Http2FloodStats.register(r, "envoy_cluster_http2_", TAG, name);
        Http2OutboundStats.Gauges http2Gauges = new Http2OutboundStats.Gauges();
        Http2OutboundStats.registerGauges(r, "envoy_cluster_http2_", http2Gauges, TAG, name);
        http2Outbound = Http2OutboundStats.register(r, "envoy_cluster_http2_", http2Gauges, TAG, name);
        http2RxMessagingError = c("envoy_cluster_http2_rx_messaging_error");
        http2HeaderOverflow = c("envoy_cluster_http2_header_overflow");
        http2RxReset = c("envoy_cluster_http2_rx_reset");
        http2Streams = Http2StreamStats.registerUpstream(r, "envoy_cluster_http2_", http2RxReset, http2StreamsActive,
                TAG, name);
        upstreamCxPoolOverflow = c("envoy_cluster_upstream_cx_pool_overflow");
        upstreamCxOverflow = c("envoy_cluster_upstream_cx_overflow");
        upstreamRqMaintenanceMode = c("envoy_cluster_upstream_rq_maintenance_mode");
        upstreamFlowControlPausedReadingTotal = c("envoy_cluster_upstream_flow_control_paused_reading_total");
        upstreamFlowControlResumedReadingTotal = c("envoy_cluster_upstream_flow_control_resumed_reading_total");
        upstreamFlowControlBackedUpTotal = c("envoy_cluster_upstream_flow_control_backed_up_total");
        upstreamFlowControlDrainedTotal = c("envoy_cluster_upstream_flow_control_drained_total");
        // Envoy's ClusterLoadReportStats live in an isolated store: load reports read them, /stats never shows them.
        upstreamRqDropOverload = new io.micrometer.core.instrument.cumulative.CumulativeCounter(new io.micrometer.core
                .instrument.Meter.Id("envoy_cluster_upstream_rq_drop_overload", io.micrometer.core.instrument.Tags.of(TAG, name),
                null, null, io.micrometer.core.instrument.Meter.Type.COUNTER));
        configUpdate = ClusterConfigUpdateStats.of(r, name);
        assignmentTimeoutReceived = configUpdate.assignmentTimeoutReceived;
        assignmentStale = configUpdate.assignmentStale;
        upstreamCxHttp1Total = c("envoy_cluster_upstream_cx_http1_total");
        upstreamCxHttp2Total = c("envoy_cluster_upstream_cx_http2_total");
        upstreamCxDestroyLocal = c("envoy_cluster_upstream_cx_destroy_local");
        upstreamCxDestroyRemote = c("envoy_cluster_upstream_cx_destroy_remote");
        upstreamCxDestroyWithActiveRq = c("envoy_cluster_upstream_cx_destroy_with_active_rq");
        upstreamCxDestroyLocalWithActiveRq = c("envoy_cluster_upstream_cx_destroy_local_with_active_rq");
        upstreamCxDestroyRemoteWithActiveRq = c("envoy_cluster_upstream_cx_destroy_remote_with_active_rq");
        upstreamCxCloseNotify = c("envoy_cluster_upstream_cx_close_notify");
        upstreamCxMaxRequests = c("envoy_cluster_upstream_cx_max_requests");
        upstreamRqPendingTotal = c("envoy_cluster_upstream_rq_pending_total");
        upstreamRqCancelled = c("envoy_cluster_upstream_rq_cancelled");
        upstreamRqPendingFailureEject = c("envoy_cluster_upstream_rq_pending_failure_eject");
        Gauge.builder("envoy_cluster_upstream_rq_pending_active", upstreamRqPendingActive, AtomicLong::get).tag(TAG, name)
                .register(r);
        upstreamCxConnectMs = DistributionSummary.builder("envoy_cluster_upstream_cx_connect_ms").tag(TAG, name)
                .serviceLevelObjectives(EnvoyBuckets.MILLIS).register(r);
        upstreamCxLengthMs = DistributionSummary.builder("envoy_cluster_upstream_cx_length_ms").tag(TAG, name)
                .serviceLevelObjectives(EnvoyBuckets.MILLIS).register(r);
        // Envoy makes these with the cluster; Remora has no HTTP/3 nor 0-RTT, and counts no
        // buffered bytes per cluster, so they stay 0 as Envoy's do when nothing charges them
        for (String never : new String[] {"upstream_cx_http3_total", "upstream_cx_connect_with_0_rtt",
                "upstream_rq_0rtt", "upstream_http3_broken"}) {
            c("envoy_cluster_" + never);
        }
        for (String never : new String[] {"upstream_cx_rx_bytes_buffered", "upstream_cx_tx_bytes_buffered"}) {
            Gauge.builder("envoy_cluster_" + never, () -> 0).tag(TAG, name).register(r);
        }
        ClusterLbStats.register(r, name);
        lbSubsets = new LbSubsetStats(r, name);
        circuitBreakersDefault = new CircuitBreakerStats(r, name, "default");
        circuitBreakersHigh = new CircuitBreakerStats(r, name, "high");
        Gauge.builder("envoy_cluster_upstream_cx_active", upstreamCxActive, AtomicLong::get).tag(TAG, name).register(r);
        Gauge.builder("envoy_cluster_upstream_rq_active", upstreamRqActive, AtomicLong::get).tag(TAG, name).register(r);
        Gauge.builder("envoy_cluster_membership_healthy", membershipHealthy, AtomicLong::get).tag(TAG, name).register(r);
        Gauge.builder("envoy_cluster_membership_total", membershipTotal, AtomicLong::get).tag(TAG, name).register(r);
        Gauge.builder("envoy_cluster_membership_degraded", membershipDegraded, AtomicLong::get).tag(TAG, name).register(r);
        Gauge.builder("envoy_cluster_membership_excluded", membershipExcluded, AtomicLong::get).tag(TAG, name).register(r);
        Gauge.builder("envoy_cluster_max_host_weight", maxHostWeight, AtomicLong::get).tag(TAG, name).register(r);
        membershipChange = c("envoy_cluster_membership_change");
        originalDstHostInvalid = c("envoy_cluster_original_dst_host_invalid");
        upstreamRqTime = DistributionSummary.builder("envoy_cluster_upstream_rq_time").tag(TAG, name)
                .serviceLevelObjectives(EnvoyBuckets.MILLIS).register(r);
        codes = new ResponseCodeCounters(r, "envoy_cluster_upstream_rq", io.micrometer.core.instrument.Tags.of(TAG, name));
        zones = new ZoneCodeStats(r, name);
        categories = new CodeCategorySet(r, name, "", io.micrometer.core.instrument.Tags.empty());
    }

    private Counter c(String metric) {
        return Counter.builder(metric).tag(TAG, name).register(registry);
    }

    public String name() {
        return name;
    }

    private final LbSubsetStats lbSubsets;

    /** The {@code lb_subsets_*} stats, kept with these stats: a cluster rebuilt under the name counts into the same gauge. */
    public LbSubsetStats lbSubsets() {
        return lbSubsets;
    }

    /** track_cluster_stats.timeout_budgets' histograms once the cluster asked for them; null before. */
    public volatile TrackedClusterStats timeoutBudgets;
    /** track_cluster_stats.request_response_sizes' histograms once asked for; null before. */
    public volatile TrackedClusterStats.Sizes sizes;

    /** Registers the histograms track_cluster_stats asks for (at config time, as Envoy; idempotent). */
    public synchronized void track(boolean budgets, boolean requestResponseSizes) {
        if (budgets && timeoutBudgets == null) {
            timeoutBudgets = TrackedClusterStats.timeoutBudgets(registry, name);
        }
        if (requestResponseSizes && sizes == null) {
            sizes = TrackedClusterStats.sizes(registry, name);
        }
    }

    /**
     * Envoy's reportUpstreamCxDestroy: an upstream connection is gone, closed by this side ({@code local}, a
     * LocalClose) or by the peer; with a request still on it, reportUpstreamCxDestroyActiveRequest too.
     */
    public void connectionDestroyed(boolean local, boolean activeRequest) {
        upstreamCxDestroy.increment();
        (local ? upstreamCxDestroyLocal : upstreamCxDestroyRemote).increment();
        if (activeRequest) {
            upstreamCxDestroyWithActiveRq.increment();
            (local ? upstreamCxDestroyLocalWithActiveRq : upstreamCxDestroyRemoteWithActiveRq).increment();
        }
    }

    /** Counts one upstream response: {@code upstream_rq_completed}, {@code upstream_rq_<code>} and {@code upstream_rq_<N>xx}. */
    public void response(int status) {
        upstreamRqCompleted.increment();
        codes.count(status);
    }

    /** A response whose code is not counted (the router's suppress_grpc_request_failure_code_stats). */
    public void responseWithoutCode() {
        upstreamRqCompleted.increment();
    }

    /** internal, external, canary: made when the first response of each is counted, as Envoy's dynamic stats. */
    private final CodeCategorySet categories;
    /** By {@code x-envoy-upstream-alt-stat-name}: made with the first request naming each. */
    private final java.util.concurrent.ConcurrentHashMap<String, AltStatCodeStats> altStats =
            new java.util.concurrent.ConcurrentHashMap<>(2);

    /**
     * Envoy's chargeResponseStat for a routed response: the plain code stats ({@code upstream_rq_completed}
     * alone without {@code withCode}: the router's suppress_grpc_request_failure_code_stats), then
     * {@code canary.*} when the host is a canary and {@code internal.*} or {@code external.*}.
     */
    public void response(int status, boolean withCode, boolean internal, boolean canary) {
        if (withCode) {
            response(status);
        } else {
            responseWithoutCode();
        }
        categories.response(status, internal, canary);
    }

    /** Envoy's chargeResponseTiming: {@code upstream_rq_time} and its canary and internal/external twins. */
    public void responseTime(long millis, boolean internal, boolean canary) {
        upstreamRqTime.record(millis);
        categories.time(millis, internal, canary);
    }

    /** {@code retry.upstream_rq_*}, made with the first retried response, as Envoy's dynamic stats. */
    private volatile RetriedCodes retried;

    private record RetriedCodes(Counter completed, ResponseCodeCounters codes) {
    }

    /**
     * A response the router retried (Envoy's chargeBasicResponseStat under {@code retry}):
     * {@code retry.upstream_rq_completed}, and unless {@code withCode} is false
     * (suppress_grpc_request_failure_code_stats) {@code retry.upstream_rq_<N>xx} and {@code _<code>}.
     */
    public void retriedResponse(int status, boolean withCode) {
        RetriedCodes r = retried;
        if (r == null) {
            synchronized (this) {
                r = retried;
                if (r == null) {
                    String metric = "envoy_cluster_retry_upstream_rq";
                    io.micrometer.core.instrument.Tags tags = io.micrometer.core.instrument.Tags.of(TAG, name);
                    r = new RetriedCodes(Counter.builder(metric + "_completed").tags(tags).register(registry),
                            new ResponseCodeCounters(registry, metric, tags));
                    retried = r;
                }
            }
        }
        r.completed().increment();
        if (withCode) {
            r.codes().count(status);
        }
    }

    /** The code stats a request's {@code x-envoy-upstream-alt-stat-name} charges a second time. */
    public AltStatCodeStats altStat(String altStatName) {
        AltStatCodeStats a = altStats.get(altStatName);
        return a != null ? a : altStats.computeIfAbsent(altStatName, n -> new AltStatCodeStats(registry, name, n));
    }

    /** {@code cluster.<name>.tcp_stats.*}, made when a tcp_stats transport socket first needs them. */
    public TcpStatsMeters tcpStats() {
        return tcpStats.get();
    }
}
