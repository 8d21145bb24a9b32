package io.remora.http.router;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.config.HedgePolicy;
import io.remora.route.RouteEntry;
import io.remora.upstream.OutlierMonitor;

import java.util.ArrayList;

/**
 * Envoy's hedge_on_per_try_timeout: a try whose per-try timeout fires is not reset; a retry starts
 * beside it and the first response headers of any outstanding try win, the others being reset.
 * The router's {@code current} stays the newest try; the earlier ones still running wait here,
 * in an object the request's {@link RetryGate} holds from its first hedge, so a request that never
 * hedges pays nothing. A try here has already caused its retry and is never retried itself
 * (Envoy's {@code retried()}). Event-loop confined.
 */
final class Hedging {
    static final AsciiString HEDGE_ON_PER_TRY_TIMEOUT = AsciiString.cached("x-envoy-hedge-on-per-try-timeout");

    /** Earlier tries still waiting for response headers. */
    private final ArrayList<UpstreamRequest> earlier = new ArrayList<>(2);

    /**
     * Envoy's finalHedgingParams: the route's (or virtual host's) policy, unless the request says
     * "true" or "false" in x-envoy-hedge-on-per-try-timeout, which is consumed either way.
     */
    static boolean requested(RouteEntry route, Http2Headers headers) {
        HedgePolicy p = route.hedgePolicy();
        boolean hedge = p != null && p.hedgeOnPerTryTimeout();
        CharSequence v = headers.get(HEDGE_ON_PER_TRY_TIMEOUT);
        if (v != null) {
            if (AsciiString.contentEquals("true", v)) {
                hedge = true;
            } else if (AsciiString.contentEquals("false", v)) {
                hedge = false;
            }
            headers.remove(HEDGE_ON_PER_TRY_TIMEOUT);
        }
        return hedge;
    }

    private static Hedging of(RouterFilter r) {
        return r.retryGate == null ? null : r.retryGate.hedging;
    }

    /**
     * Envoy's onSoftPerTryTimeout: the try keeps running; a retry starts beside it when the gate
     * admits one. Any retry condition will do, as for Envoy, since no stream was reset. The
     * per-try timeout counters stay as they are (Envoy counts them only for a reset try).
     */
    static void onPerTryTimeout(RouterFilter r, UpstreamRequest a, boolean idle) {
        a.host.outlier().reportLocalOrigin(OutlierMonitor.LocalOriginEvent.TIMEOUT);
        a.outlierTimeoutReported = true;
        if (RetryLog.enabled()) {
            RetryLog.log(r.cb, (idle ? "upstream per try idle timeout" : "upstream per try timeout")
                    + ", hedging: the try keeps running");
        }
        if (r.responseStarted || r.retry == null) {
            return;
        }
        RetryGate gate = r.retryGate();
        RetryGate.Verdict v = gate.admit(r.retry, true, !r.done && mayStart(r), "hedge on per try timeout",
                r.cb, r.cluster, r.stats, false);
        if (v == RetryGate.Verdict.YES) {
            if (gate.hedging == null) {
                gate.hedging = new Hedging();
            }
            gate.hedging.earlier.add(a);
            r.retry.timeoutRetry = true;
            gate.scheduleRetry(r);
        } else if (v.flag != null) {
            r.info.setFlag(v.flag);
        }
    }

    /**
     * Whether a hedged try may start: with the body held whole; or, as Envoy's router (whose state
     * retrying nothing buffers no body, so its doRetry sends none), without it, once the running
     * try wrote it all and no overflow abandoned the retries.
     */
    private static boolean mayStart(RouterFilter r) {
        return r.replayable() || (!r.retainBody && !r.bodyAbandoned && r.body.held() == 0);
    }

    /** Whether {@code a} is an earlier try still running beside the current one. */
    static boolean isEarlier(RouterFilter r, UpstreamRequest a) {
        Hedging h = of(r);
        return h != null && h.earlier.contains(a);
    }

    /**
     * A try failed (reset, or an answer that would be retried but may not be) and will not be
     * retried: true when another try may still answer, so the failure is not passed downstream
     * (Envoy's "numRequestsAwaitingHeaders() > 0 || pending_retries_ > 0"). The failed try is
     * dropped; its stream is reset if it still runs.
     */
    static boolean awaitOthers(RouterFilter r, UpstreamRequest a) {
        Hedging h = of(r);
        if (h == null) {
            return false;
        }
        h.earlier.remove(a);
        UpstreamRequest c = r.current;
        boolean others = !h.earlier.isEmpty() || (c != null && c != a && !c.finished) || r.retryGate.backoffPending();
        if (others) {
            a.abandon();
            if (c == a) {
                r.current = null;
            }
        }
        return others;
    }

    /** Whether an earlier hedged try still runs (or a retry waits for its back-off) beside a retry that failed to start. */
    static boolean othersRunning(RouterFilter r) {
        Hedging h = of(r);
        return h != null && (!h.earlier.isEmpty() || r.retryGate.backoffPending());
    }

    /**
     * {@code winner}'s response goes downstream: Envoy's resetOtherUpstreams, and the stream's
     * upstream details become the winner's again when an earlier try won.
     */
    static void settle(RouterFilter r, UpstreamRequest winner) {
        Hedging h = of(r);
        if (h == null) {
            return;
        }
        r.retryGate.hedging = null;
        r.retryGate.cancelBackoff();
        for (UpstreamRequest t : h.earlier) {
            if (t != winner) {
                t.abandon();
            }
        }
        UpstreamRequest c = r.current;
        if (c != winner) {
            if (c != null) {
                c.abandon();
            }
            r.current = winner;
            winner.describeUpstream();
        }
    }

    /**
     * The route's timeout fired: as Envoy, each earlier try counts a timeout and the timeout's code
     * of its own and is reset.
     */
    static void onGlobalTimeout(RouterFilter r) {
        Hedging h = of(r);
        if (h == null) {
            return;
        }
        for (UpstreamRequest t : h.earlier) {
            Timeouts.countTimeout(r);
            UpstreamCodeCharge.charge(r, r.timeoutStatus(), t.host, null);
            Timeouts.chargeHostAbort(r, t.host);
            // Its outlier timeout was reported at its per-try timeout already.
            t.host.stats.rqTimeout.increment();
            t.abandon();
        }
        h.earlier.clear();
    }

    /** The stream is over for the router: every earlier try is reset. */
    static void abandonAll(RetryGate gate) {
        Hedging h = gate.hedging;
        if (h != null) {
            for (UpstreamRequest t : h.earlier) {
                t.abandon();
            }
            h.earlier.clear();
        }
    }
}
