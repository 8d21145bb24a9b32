package io.remora.http.router;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.http.upstream.HeaderConversion;
import io.remora.http.upstream.ResetReason;
import io.remora.stats.VirtualClusterStats;
import io.remora.util.AsciiNumbers;

import java.util.concurrent.TimeUnit;

/**
 * What the router does with an attempt's outcome (Envoy's router splits this from the request
 * path the same way): the upstream's response headers, its end, or a reset, each either retried
 * as the policy and the retry gate allow or passed downstream.
 */
final class UpstreamResponse {
    static final AsciiString UPSTREAM_SERVICE_TIME = AsciiString.cached("x-envoy-upstream-service-time");
    private static final AsciiString IMMEDIATE_HEALTH_CHECK_FAIL =
            AsciiString.cached("x-envoy-immediate-health-check-fail");

    private UpstreamResponse() {
    }

    private static RetryGate.Verdict shouldRetry(RouterFilter r, boolean wanted, String cause) {
        if (r.retry == null || !wanted) {
            if (r.retryGate != null && !r.responseStarted) {
                r.retryGate.noRetry(r);
            }
            return RetryGate.Verdict.NO; // what the gate answers then, without making one
        }
        return r.retryGate().admit(r.retry, wanted, !r.responseStarted && !r.done && r.replayable(), cause, r.cb,
                r.cluster, r.stats, r.responseStarted || r.done);
    }

    /**
     * Schedules a retry when the policy wants one and the gate admits it; flags URX when the
     * retries are used up. True when a retry is coming.
     */
    static boolean retryOrFlag(RouterFilter r, boolean wanted, String cause) {
        RetryGate.Verdict rs = shouldRetry(r, wanted, cause);
        if (rs == RetryGate.Verdict.YES) {
            r.retryGate().scheduleRetry(r);
            return true;
        }
        if (rs.flag != null) {
            r.info.setFlag(rs.flag);
        }
        return false;
    }

    /**
     * The back-off a retriable response asks for through the route's retry policy's reset headers
     * (Envoy's parseResetInterval), in milliseconds; -1 for the exponential back-off. Read from the
     * route's compiled policy, so a request's retry state carries nothing for it.
     */
    private static long rateLimitedBackOff(RouterFilter r, Http2Headers headers) {
        io.remora.route.RateLimitReset reset = r.route.retryHeaderMatchers().reset();
        return reset == null ? -1 : reset.intervalMillis(headers, System.currentTimeMillis() / 1000);
    }

    static void onHeaders(RouterFilter r, UpstreamRequest a, Http2Headers headers, boolean endStream) {
        int status = HeaderConversion.parseStatus(headers.status());
        if (!WebSocketHandshake.answered(r, headers, status) || WebSocketHandshake.refused(r, a, headers, status)) {
            return;
        }
        a.responseHeaders(headers, status);
        a.host.outlier().reportResult(status);
        io.remora.upstream.orca.ClientSideWeight orca = a.host.clientSideWeight();
        if (orca != null) {
            a.loadReported = orca.onResponse(headers);
        }
        java.util.List<String> lrsMetrics = a.cluster.config().options().lrsReportEndpointMetrics();
        if (!lrsMetrics.isEmpty()) {
            // One flag for both readers, as Envoy's orca_load_report_received_: trailers are then not read.
            a.loadReported |= a.host.loadMetricStats().onResponse(headers, lrsMetrics);
        }
        if (headers.contains(IMMEDIATE_HEALTH_CHECK_FAIL)) {
            a.cluster.immediateHealthCheckFail(a.host);
        }
        TryTimers.cancelPerTry(a);
        // A response the policy would retry but that may not be: another hedged try may do better.
        boolean couldNotRetry = false;
        if (r.retry != null) {
            boolean wanted = r.retry.wouldRetry(status, headers, endStream);
            if (a != r.current) {
                // An earlier hedged try already caused its retry: never retried again (Envoy's retried()).
                couldNotRetry = wanted;
            } else {
                RetryGate.Verdict rs = shouldRetry(r, wanted, RetryLog.enabled() ? "upstream answered " + status : null);
                if (rs == RetryGate.Verdict.YES) {
                    HostResults.retried(a.host);
                    r.stats.retriedResponse(status, !(r.shared.config().suppressGrpcRequestFailureCodeStats()
                            && RouterFilter.isGrpc(r.requestHeaders)));
                    a.abandon();
                    if (r.retry.retriesImmediately(status, headers)) {
                        r.retryGate().retryNow(r);
                    } else {
                        r.retryGate().scheduleRetry(r, rateLimitedBackOff(r, headers));
                    }
                    return;
                }
                if (rs.flag != null) {
                    r.info.setFlag(rs.flag);
                }
                couldNotRetry = wanted;
            }
        }
        if (r.action.internalRedirectPolicy() != null && r.action.internalRedirectPolicy().followsStatus(status)
                && InternalRedirect.follow(r, a, headers, status, endStream)) {
            return;
        }
        if (couldNotRetry && Hedging.awaitOthers(r, a)) {
            return;
        }
        // As Envoy's onUpstreamHeaders: only the response that goes downstream is charged; a
        // retried one counts under retry. (above), one followed as a redirect or dropped for another try not at all.
        UpstreamCodeCharge.charge(r, status, a.host, headers);
        HostResults.response(r, a, status, headers, endStream);
        Hedging.settle(r, a);
        r.responseStarted = true;
        if (r.tunnel != null && r.tunnel.accepts(status)) {
            // Established: the route timeout and per-try timeouts do not apply to a tunnel's life.
            r.tunnel.established = true;
            r.cancel();
            TryTimers.cancelIdle(a);
        }
        long now = System.nanoTime();
        r.info.upstreamServiceTimeNanos = now - r.info.startNanos;
        if (!r.shared.config().suppressEnvoyHeaders()) {
            long since = r.downstreamEnded ? r.downstreamEndNanos : r.info.startNanos;
            headers.set(UPSTREAM_SERVICE_TIME, AsciiNumbers.of(TimeUnit.NANOSECONDS.toMillis(now - since)));
        }
        r.info.responseCodeDetails = "via_upstream";
        // As Envoy's router, before the route's response headers: %RESPONSE_CODE% in them reads it.
        r.info.responseCode = status;
        if (r.route.virtualHost().includeAttemptCountInResponse()) {
            headers.set(RouterFilter.ATTEMPT_COUNT, AsciiNumbers.of(r.info.attemptCount));
        }
        r.mutateResponseHeaders(headers);
        java.util.List<String> cookies = r.lbContext().setCookies;
        if (cookies != null) {
            // Cookies generated by a hash policy (Istio's httpCookie) pin the client from now on.
            for (String c : cookies) {
                headers.add("set-cookie", c);
            }
        }
        if (endStream) {
            onComplete(r, a);
        } else {
            a.status = (short) status;
        }
        r.cb.encodeHeaders(headers, endStream);
    }

    static void onComplete(RouterFilter r, UpstreamRequest a) {
        a.mark(io.remora.accesslog.StreamTimings.Point.US_RX_END);
        TrackedTry tracked = TryTimers.tracked(a);
        if (tracked != null) {
            tracked.responseComplete(r);
        }
        a.complete();
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - a.startNanos);
        // As Envoy: the response time is a dynamic stat, not kept for health checks.
        boolean timed = r.shared.config().dynamicStats() && !r.info.healthCheck();
        if (timed) {
            // The canary here is the host's alone: Envoy's timing reads no response header.
            boolean internal = CodeStatCategory.internal(r.requestHeaders);
            r.stats.responseTime(millis, internal, a.host.canary());
            if (r.altStats != null) {
                r.altStats.responseTime(millis, internal, a.host.canary());
            }
            ZoneCodeCharge.time(r, millis, a.host);
        }
        if (timed) {
            // As Envoy charges a virtual cluster and a route.
            VirtualClusterStats vcs = r.info.virtualClusterStats();
            if (vcs != null) {
                vcs.upstreamRqTime.record(millis);
            }
            io.remora.stats.RouteStats rs = r.info.routeStats();
            if (rs != null) {
                rs.upstreamRqTime.record(millis);
            }
        }
        r.finish();
    }

    /**
     * As Envoy's router (onUpstream1xxHeaders): the response counts as started (no retry, as the
     * next try's 1xx could not be told apart; a reset or timeout now resets the stream), the code is
     * charged (upstream_rq_1xx, upstream_rq_103) and the 1xx goes on to the connection manager,
     * which passes it downstream only when it proxies 100-continue. Only the first: Envoy's
     * UpstreamCodecFilter drops a try's later 1xx (its filter manager takes one), and after the
     * first no other try is left to send one.
     */
    static void on1xx(RouterFilter r, UpstreamRequest a, Http2Headers headers) {
        if (r.responseStarted) {
            return;
        }
        Hedging.settle(r, a);
        UpstreamCodeCharge.charge(r, io.remora.http.upstream.HeaderConversion.parseStatus(headers.status()), a.host, headers);
        r.responseStarted = true;
        r.cb.encode1xxHeaders(headers);
    }

    /**
     * Envoy's onUpstreamReset body: "retried and the latest" once a retry was made, then the reason.
     * The transport failure (a certificate's validation error, a refused connect) stays out of it,
     * as Envoy 1.39's hide_transport_failure_reason_in_response_body: it tells a client too much of
     * the mesh's inside; the details and %UPSTREAM_TRANSPORT_FAILURE_REASON% keep it.
     */
    static String resetBody(ResetReason reason, boolean retried) {
        return RouterFilter.RESET_BEFORE_HEADERS + (retried ? "retried and the latest " : "") + "reset reason: "
                + reason.text;
    }

    /** Envoy's details for a reset before the response: the reason, then "|" and the transport failure, no spaces. */
    static String resetDetails(ResetReason reason, String transportFailure) {
        String inside = transportFailure == null || transportFailure.isEmpty() ? reason.detail
                : reason.detail + "|" + transportFailure.replaceAll("\\s", "_");
        return "upstream_reset_before_response_started{" + inside + "}";
    }

    static void onReset(RouterFilter r, UpstreamRequest a, ResetReason reason, String transportFailure) {
        a.recordReset(reason, transportFailure);
        if (!r.responseStarted) {
            // An earlier hedged try already caused its retry; the others may still answer.
            if (a == r.current && retryOrFlag(r, r.retry != null && r.retry.wouldRetry(reason, a.headersSent),
                    RetryLog.enabled() ? "reset: " + reason.text : null)) {
                HostResults.retried(a.host);
                return;
            }
            // As Envoy's router: a response the codec could not parse is the upstream's fault (502).
            int status = reason == ResetReason.PROTOCOL_ERROR ? 502 : 503;
            if (reason != ResetReason.OVERFLOW || a.overflowAtAttach) {
                // chargeUpstreamAbort's host: none for a request turned away while it waited for a connection.
                HostResults.aborted(r, a.host, status);
            }
            if (Hedging.awaitOthers(r, a)) {
                // Envoy's onUpstreamReset charges the abort before it looks for other tries awaiting headers.
                UpstreamCodeCharge.charge(r, status, a.host, null);
                return;
            }
            String failure = reason.isConnectFailure() ? transportFailure : null;
            UpstreamAbort.reply(r, status, resetBody(reason, r.info.attemptCount > 1), reason.responseFlag(),
                    resetDetails(reason, failure));
        } else {
            HostResults.resetAfterResponse(a);
            r.info.setFlag(reason.responseFlag());
            r.info.responseCodeDetails = "upstream_reset_after_response_started{" + reason.detail + "}";
            r.finish();
            r.cb.resetStream();
        }
    }
}
