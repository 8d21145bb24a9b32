package io.remora.http.router;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.accesslog.ResponseFlag;
import io.remora.config.ForwardAction;
import io.remora.http.GrpcTimeoutHeader;
import io.remora.http.upstream.ResetReason;
import io.remora.upstream.OutlierMonitor;

import java.time.Duration;

/**
 * Envoy's FilterUtility::finalTimeout: the route timeout as headers and gRPC adjust it; and what
 * the router does when the route's or a try's timeout fires (Envoy's onResponseTimeout and
 * onPerTryTimeout).
 */
final class Timeouts {
    static final AsciiString UPSTREAM_RQ_TIMEOUT_MS = AsciiString.cached("x-envoy-upstream-rq-timeout-ms");
    static final AsciiString UPSTREAM_RQ_PER_TRY_TIMEOUT_MS = AsciiString.cached("x-envoy-upstream-rq-per-try-timeout-ms");
    static final AsciiString EXPECTED_RQ_TIMEOUT_MS = AsciiString.cached("x-envoy-expected-rq-timeout-ms");
    static final AsciiString UPSTREAM_STREAM_DURATION_MS = AsciiString.cached("x-envoy-upstream-stream-duration-ms");
    static final long DEFAULT_ROUTE_TIMEOUT_MS = 15_000;

    private Timeouts() {
    }

    /**
     * Sets the router's route and per-try timeouts (0 = none) from the route, its retry policy and
     * the request. A route with max_stream_duration gives the router no timeout of its own (Envoy's
     * usingNewTimeouts): the connection manager bounds the stream instead.
     */
    static void compute(RouterFilter r, ForwardAction action, Duration policyPerTry, Http2Headers headers, boolean grpc) {
        long globalMillis = action.maxStreamDuration() != null ? 0
                : action.timeout() == null ? DEFAULT_ROUTE_TIMEOUT_MS : action.timeout().toMillis();
        long perTryMillis = policyPerTry == null ? 0 : policyPerTry.toMillis();
        if (grpc && action.maxGrpcTimeout() != null && action.maxStreamDuration() == null) {
            long max = action.maxGrpcTimeout().toMillis();
            long g = GrpcTimeoutHeader.millis(headers.get(GrpcTimeoutHeader.NAME));
            Duration offset = action.grpcTimeoutOffset();
            // Envoy's finalTimeout: the offset never takes the timeout to 0 (no timeout).
            if (offset != null && offset.toMillis() < g) {
                g -= offset.toMillis();
            }
            if (max != 0 && (g <= 0 || g > max)) {
                g = max;
            }
            globalMillis = Math.max(0, g);
        }
        CharSequence expected;
        if (r.shared.config().respectExpectedRqTimeout() && (expected = headers.get(EXPECTED_RQ_TIMEOUT_MS)) != null) {
            // The egress proxy's deadline wins; it has already cleaned x-envoy-upstream-rq-timeout-ms.
            long e = parseMillis(expected);
            if (e >= 0) {
                globalMillis = e;
            }
        } else {
            long h = parseMillis(headers.get(UPSTREAM_RQ_TIMEOUT_MS));
            if (h >= 0) {
                globalMillis = h;
            }
            headers.remove(UPSTREAM_RQ_TIMEOUT_MS);
        }
        CharSequence duration = headers.getAndRemove(UPSTREAM_STREAM_DURATION_MS);
        if (duration != null) {
            // Envoy's dynamic max stream duration: consumed, kept only when it parses.
            long d = parseMillis(duration);
            if (d >= 0) {
                r.dynamicMaxStreamDurationMillis = (int) Math.min(d, Integer.MAX_VALUE);
            }
        }
        long p = parseMillis(headers.get(UPSTREAM_RQ_PER_TRY_TIMEOUT_MS));
        if (p >= 0) {
            perTryMillis = p;
        }
        // Envoy consumes these; the upstream learns the deadline from x-envoy-expected-rq-timeout-ms.
        headers.remove(UPSTREAM_RQ_PER_TRY_TIMEOUT_MS);
        if (perTryMillis > 0 && globalMillis > 0 && perTryMillis >= globalMillis) {
            perTryMillis = 0; // the route timeout comes first anyway
        }
        r.globalTimeoutMillis = globalMillis;
        r.perTryTimeoutMillis = (int) Math.min(perTryMillis, Integer.MAX_VALUE);
    }

    /**
     * Tells the upstream the deadline this proxy will enforce: x-envoy-expected-rq-timeout-ms
     * (unless Envoy headers are suppressed) and, for gRPC under max_grpc_timeout, grpc-timeout.
     */
    static void writeHeaders(RouterFilter r, Http2Headers headers, ForwardAction action, boolean grpc,
                             boolean envoyHeaders, boolean hedge) {
        writeHeaders(r, headers, action, grpc, envoyHeaders, hedge, 0);
    }

    /**
     * As above for a retry (Envoy's doRetry): the route timeout runs from the downstream request's
     * end, so a retry may expect only what is left of it (1 ms once none is).
     */
    static void rewriteForRetry(RouterFilter r, Http2Headers headers) {
        long elapsed = r.downstreamEnded ? (System.nanoTime() - r.downstreamEndNanos) / 1_000_000 : 0;
        writeHeaders(r, headers, r.action, RouterFilter.isGrpc(headers), !r.shared.config().suppressEnvoyHeaders(),
                r.hedge, elapsed);
    }

    private static void writeHeaders(RouterFilter r, Http2Headers headers, ForwardAction action, boolean grpc,
                                     boolean envoyHeaders, boolean hedge, long elapsedMillis) {
        // What the upstream may expect: the per-try timeout when it is the tighter one, unless a try
        // outliving it is hedged rather than reset.
        long expected = r.perTryTimeoutMillis > 0 && !hedge ? r.perTryTimeoutMillis : r.globalTimeoutMillis;
        if (expected <= 0) {
            return;
        }
        long global = r.globalTimeoutMillis;
        if (global > 0) {
            expected = elapsedMillis >= global ? 1 : Math.min(expected, global - elapsedMillis);
        }
        if (envoyHeaders) {
            headers.set(EXPECTED_RQ_TIMEOUT_MS, io.remora.util.AsciiNumbers.of(expected));
        }
        if (grpc && action.maxGrpcTimeout() != null && action.maxStreamDuration() == null) {
            headers.set(GrpcTimeoutHeader.NAME, GrpcTimeoutHeader.value(expected));
        }
    }

    /** A try's timeout (or its idle timeout) fired: retry when the policy says so, else time the stream out. */
    static void onPerTryTimeout(RouterFilter r, UpstreamRequest a, boolean idle) {
        if (a != r.current || a.finished) {
            return;
        }
        if (r.hedge) {
            Hedging.onPerTryTimeout(r, a, idle);
            return;
        }
        // As Envoy's onPerTryTimeoutCommon: each timer has its own counter.
        (idle ? r.stats.upstreamRqPerTryIdleTimeout : r.stats.upstreamRqPerTryTimeout).increment();
        a.host.stats.rqTimeout.increment();
        if (RetryLog.enabled()) {
            RetryLog.log(r.cb, idle ? "upstream per try idle timeout" : "upstream per try timeout");
        }
        a.host.outlier().reportLocalOrigin(OutlierMonitor.LocalOriginEvent.TIMEOUT);
        if (a.span != null) {
            a.span.flag(idle ? ResponseFlag.STREAM_IDLE_TIMEOUT : ResponseFlag.UPSTREAM_REQUEST_TIMEOUT);
        }
        a.abandon();
        if (r.retry != null) {
            r.retry.timeoutRetry = true;
        }
        // As Envoy's onPerTryTimeoutCommon: retried as a local reset, reset-before-request included.
        if (UpstreamResponse.retryOrFlag(r, r.retry != null && r.retry.wouldRetry(ResetReason.LOCAL_RESET, a.headersSent),
                "per try timeout")) {
            a.host.stats.rqError.increment(); // as Envoy's maybeRetryReset
            return;
        }
        chargeHostAbort(r, a.host);
        timedOut(r, idle ? "upstream_per_try_idle_timeout" : "upstream_per_try_timeout");
    }

    /**
     * The cluster's max_stream_duration ended a try's stream, as Envoy's onStreamMaxDurationReached:
     * reset it, retry as for a local reset when the policy says so, else UMSDR with 408 while the
     * request is still arriving and 504 after (a reset of the stream once answering).
     */
    static void onMaxStreamDuration(RouterFilter r, UpstreamRequest a) {
        if (a.finished || (a != r.current && !Hedging.isEarlier(r, a))) {
            return;
        }
        r.stats.upstreamRqMaxDurationReached.increment();
        a.abandon();
        // As Envoy: a hedged try that already caused a retry is not retried again, and this ends
        // the stream even while other tries run.
        if (a == r.current && UpstreamResponse.retryOrFlag(r,
                r.retry != null && r.retry.wouldRetry(ResetReason.LOCAL_RESET, a.headersSent),
                "upstream max stream duration reached")) {
            a.host.stats.rqError.increment(); // as Envoy's maybeRetryReset; its reply charges no abort
            return;
        }
        r.info.setFlag(ResponseFlag.UPSTREAM_MAX_STREAM_DURATION_REACHED);
        if (r.responseStarted) {
            r.info.responseCodeDetails = "upstream_max_stream_duration_reached";
            r.finish();
            r.cb.resetStream();
        } else {
            UpstreamAbort.reply(r, r.downstreamEnded ? 504 : 408, "upstream max stream duration reached",
                    ResponseFlag.UPSTREAM_MAX_STREAM_DURATION_REACHED, "upstream_max_stream_duration_reached");
        }
    }

    /**
     * The route's timeout fired: it covers all tries, so no retry follows. As Envoy's
     * onResponseTimeout, each try still out counts a timeout and its code (a retry waiting for its
     * back-off has no try: the stream is answered without either); only a try still awaiting its
     * response headers is reported to outlier detection.
     */
    static void onGlobalTimeout(RouterFilter r) {
        if (r.done) {
            return;
        }
        if (RetryLog.enabled()) {
            RetryLog.log(r.cb, "upstream timeout");
        }
        UpstreamRequest a = r.current;
        if (a != null) {
            countTimeout(r);
            TrackedTry tracked = TryTimers.tracked(a);
            if (tracked != null) {
                tracked.globalTimeout();
            }
            a.host.stats.rqTimeout.increment();
            if (a.status == 0) {
                // As Envoy's onResponseTimeout: a try whose response headers came (a stream
                // answering slowly) is no timeout of its host's for outlier detection, nor an error;
                // nor is one its hedged per-try timeout reported already (outlierDetectionTimeoutRecorded).
                if (!a.outlierTimeoutReported) {
                    a.host.outlier().reportLocalOrigin(OutlierMonitor.LocalOriginEvent.TIMEOUT);
                }
                chargeHostAbort(r, a.host);
            }
            a.abandon();
        }
        Hedging.onGlobalTimeout(r);
        if (a == null && !r.responseStarted) {
            r.finish();
            UpstreamAbort.send(r, r.timeoutStatus(), timeoutBody(r), ResponseFlag.UPSTREAM_REQUEST_TIMEOUT,
                    "upstream_response_timeout", null);
            return;
        }
        timedOut(r, "upstream_response_timeout");
    }

    /**
     * The host's rq_error for a try a timeout ended, as Envoy's chargeUpstreamAbort counts it (the
     * pools count a reset's, not a local one's): the timeout's 5xx code as chargeUpstreamCode
     * (dynamic stats, no health check), a 204 (x-envoy-upstream-rq-timeout-alt-response) always;
     * nothing once the response has started.
     */
    static void chargeHostAbort(RouterFilter r, io.remora.upstream.Host host) {
        if (r.responseStarted) {
            return;
        }
        if (r.timeoutAltResponse || (r.shared.config().dynamicStats() && !r.info.healthCheck())) {
            host.stats.rqError.increment();
        }
    }

    /** One try's share of a route timeout: the cluster's, virtual cluster's and route's upstream_rq_timeout. */
    static void countTimeout(RouterFilter r) {
        r.stats.upstreamRqTimeout.increment();
        io.remora.stats.VirtualClusterStats vcs = r.info.virtualClusterStats();
        if (vcs != null) {
            vcs.upstreamRqTimeout.increment();
        }
        io.remora.stats.RouteStats rs = r.info.routeStats();
        if (rs != null) {
            rs.upstreamRqTimeout.increment();
        }
    }

    /** 504 (or the asked-for 204) before the response started; a reset of the stream after. */
    private static void timedOut(RouterFilter r, String details) {
        if (r.responseStarted) {
            r.info.setFlag(ResponseFlag.UPSTREAM_REQUEST_TIMEOUT);
            r.info.responseCodeDetails = details;
            r.finish();
            r.cb.resetStream();
        } else {
            UpstreamAbort.reply(r, r.timeoutStatus(), timeoutBody(r), ResponseFlag.UPSTREAM_REQUEST_TIMEOUT, details);
        }
    }

    /**
     * Envoy's onUpstreamTimeoutAbort: the text goes with a 504 only; the 204 a request asked for
     * with x-envoy-upstream-rq-timeout-alt-response is empty, whichever timeout fired.
     */
    private static String timeoutBody(RouterFilter r) {
        return r.timeoutAltResponse ? "" : "upstream request timeout";
    }

    private static long parseMillis(CharSequence v) {
        if (v == null) {
            return -1;
        }
        try {
            long l = Long.parseLong(v.toString().trim());
            return l < 0 ? -1 : l;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
