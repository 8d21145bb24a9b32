package io.remora.http.router;

import io.netty.util.concurrent.ScheduledFuture;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.stats.ClusterStats;
import io.remora.stats.RouteStats;
import io.remora.stats.VirtualClusterStats;
import io.remora.upstream.Cluster;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Whether one failed attempt may be retried, as Envoy's retry state decides: the policy must want
 * it, the response must not have started, the body must still be replayable, the retries left and
 * the cluster's max_retries circuit breaker must allow it. It holds the breaker's slot for the
 * retry it admitted until the next decision or the end of the stream, and runs the retry's back-off
 * timer. Event-loop confined.
 */
final class RetryGate {

    /**
     * What the gate answers, with the response flag Envoy's router sets when a wanted retry is
     * turned away: URX when the retries are used up, UO when the max_retries breaker is open.
     */
    enum Verdict {
        NO(null), YES(null), LIMIT_EXCEEDED(io.remora.accesslog.ResponseFlag.UPSTREAM_RETRY_LIMIT_EXCEEDED),
        OVERFLOW(io.remora.accesslog.ResponseFlag.UPSTREAM_OVERFLOW);

        /** Set on the stream when this verdict refuses a wanted retry; null for none. */
        final io.remora.accesslog.ResponseFlag flag;

        Verdict(io.remora.accesslog.ResponseFlag flag) {
            this.flag = flag;
        }
    }

    /** The route's priority: whose max_retries (or retry budget) the retries draw from. */
    private final boolean high;
    private boolean held;
    private String cause;
    private ScheduledFuture<?> backoffTimer;
    /** The request's back-off between retries, made with the first retry. */
    private io.remora.util.JitteredBackOff backOff;
    /** The tries a hedge on per-try timeout left running, made with the first hedge. */
    Hedging hedging;

    /**
     * @param wanted     the policy retries this failure
     * @param replayable the response has not started and the request can be sent again
     * @param cause      what the retry would be for, logged at debug ("503", "reset: connection failure")
     */
    RetryGate(boolean high) {
        this.high = high;
    }

    Verdict admit(RetryState retry, boolean wanted, boolean replayable, String cause, DecoderFilterCallbacks cb,
                  Cluster cluster, ClusterStats stats, boolean responseStarted) {
        if (retry == null || !wanted || !replayable) {
            if (retry != null && wanted && RetryLog.enabled()) {
                RetryLog.log(cb, "not retrying (" + cause + "): " + (responseStarted ? "the response has started"
                        : "the request body is no longer buffered"));
            }
            return Verdict.NO;
        }
        VirtualClusterStats vcs = cb.streamInfo().virtualClusterStats();
        RouteStats rs = cb.streamInfo().routeStats();
        if (retry.retriesDone >= retry.maxRetries) {
            stats.upstreamRqRetryLimitExceeded.increment();
            if (vcs != null) {
                vcs.upstreamRqRetryLimitExceeded.increment();
            }
            if (rs != null) {
                rs.upstreamRqRetryLimitExceeded.increment();
            }
            if (RetryLog.enabled()) {
                RetryLog.log(cb, "retry limit exceeded (" + cause + "): " + retry.retriesDone + " of "
                        + retry.maxRetries + " retries done");
            }
            return Verdict.LIMIT_EXCEEDED;
        }
        release(cluster);
        // As Envoy's shouldRetry (retries_remaining_--): a retry the breaker turns away still uses
        // one of the request's retries, which a hedged request's later failures see.
        retry.retriesDone++;
        if (!cluster.limits().priority(high).tryAcquireRetry()) {
            stats.upstreamRqRetryOverflow.increment();
            if (vcs != null) {
                vcs.upstreamRqRetryOverflow.increment();
            }
            if (rs != null) {
                rs.upstreamRqRetryOverflow.increment();
            }
            if (RetryLog.enabled()) {
                RetryLog.log(cb, "retry overflow (" + cause + "): cluster '" + cluster.name()
                        + "' max_retries circuit breaker is open");
            }
            return Verdict.OVERFLOW;
        }
        held = true;
        stats.upstreamRqRetry.increment();
        if (vcs != null) {
            vcs.upstreamRqRetry.increment();
        }
        if (rs != null) {
            rs.upstreamRqRetry.increment();
        }
        this.cause = cause;
        return Verdict.YES;
    }

    /**
     * A try's outcome is not retried (Envoy's shouldRetry with NoRetry): when it follows an
     * admitted retry, that retry succeeded, whatever the status, and the breaker's slot is given back.
     */
    void noRetry(RouterFilter r) {
        if (!held) {
            return;
        }
        r.stats.upstreamRqRetrySuccess.increment();
        VirtualClusterStats vcs = r.cb.streamInfo().virtualClusterStats();
        if (vcs != null) {
            vcs.upstreamRqRetrySuccess.increment();
        }
        RouteStats rs = r.cb.streamInfo().routeStats();
        if (rs != null) {
            rs.upstreamRqRetrySuccess.increment();
        }
        release(r.cluster);
    }

    /** The request's back-off between retries (one per request: its intervals grow retry after retry). */
    io.remora.util.JitteredBackOff backOff(RetryState retry) {
        if (backOff == null) {
            backOff = retry.newBackOff();
        }
        return backOff;
    }

    /** What the last admitted retry is for. */
    String cause() {
        return cause;
    }

    /** Starts the admitted retry's next attempt after the policy's back-off (Envoy's doRetry on its timer). */
    void scheduleRetry(RouterFilter r) {
        scheduleRetry(r, -1);
    }

    /**
     * As above; a {@code rateLimitedMillis} over 1 ms (a reset header's interval) replaces the
     * exponential back-off for this retry alone with a wait jittered up to half as long again
     * (Envoy's JitteredLowerBoundBackOffStrategy), without advancing the exponential one.
     */
    void scheduleRetry(RouterFilter r, long rateLimitedMillis) {
        r.current = null;
        RetryState retry = r.retry;
        long backoff;
        if (rateLimitedMillis > 1) {
            backoff = rateLimitedMillis + ThreadLocalRandom.current().nextLong(rateLimitedMillis >> 1);
            r.stats.upstreamRqRetryBackoffRatelimited.increment();
        } else {
            backoff = backOff(retry).nextMillis();
            r.stats.upstreamRqRetryBackoffExponential.increment();
        }
        arm(r, backoff);
    }

    /**
     * Envoy's RetryImmediately: the retry starts on the event loop's next turn, no back-off waited
     * or counted (neither upstream_rq_retry_backoff_exponential nor _ratelimited).
     */
    void retryNow(RouterFilter r) {
        r.current = null;
        arm(r, 0);
    }

    private void arm(RouterFilter r, long backoff) {
        RetryState retry = r.retry;
        if (RetryLog.enabled()) {
            RetryLog.log(r.cb, "performing retry " + retry.retriesDone + " of " + retry.maxRetries + " in " + backoff
                    + " ms (" + cause + ")");
        }
        backoffTimer = r.cb.eventLoop().schedule(() -> {
            backoffTimer = null;
            Attempts.start(r);
        }, backoff, TimeUnit.MILLISECONDS);
    }

    /** A retry is admitted and waits for its back-off: it may still answer. */
    boolean backoffPending() {
        return backoffTimer != null;
    }

    void cancelBackoff() {
        if (backoffTimer != null) {
            backoffTimer.cancel(false);
            backoffTimer = null;
        }
    }

    /** Gives the breaker's slot back, if one is held. */
    void release(Cluster cluster) {
        if (held) {
            held = false;
            cluster.limits().priority(high).retries.decrementAndGet();
        }
    }
}
