package io.remora.extensions.filters.http.common;

import io.remora.http.router.RetryState;
import io.remora.server.ServerContext;
import io.remora.upstream.Cluster;
import io.remora.upstream.LoadBalancerContext;
import io.remora.util.JitteredBackOff;

/**
 * The retries of one side call under its gRPC service's retry policy, as the router counts them: how many are left,
 * the cluster's max_retries breaker slot the running retry holds, the retry stats and the call's back-off (its
 * intervals grow retry after retry). Event-loop confined.
 */
final class CallRetries {

    /** The policy merged with the call's own x-envoy-retry-* headers. */
    final RetryState state;
    private final ServerContext context;
    private final String clusterName;
    private int done;
    private JitteredBackOff backOff;
    /** The cluster whose max_retries slot the running retry holds, or null. */
    private Cluster held;

    CallRetries(RetryState state, ServerContext context, String clusterName) {
        this.state = state;
        this.context = context;
        this.clusterName = clusterName;
    }

    /** The cluster the call goes to, or null when it is gone. */
    Cluster cluster() {
        Cluster named = context.clusterManager().get(clusterName);
        return named == null ? null : named.pickCluster(LoadBalancerContext.NONE);
    }

    /**
     * Whether one more retry may go (the policy wanted it): retries left and a slot of the breaker, counted as the
     * router counts them; then the wait before it, in milliseconds. -1: no retry.
     */
    long admit() {
        release();
        Cluster c = cluster();
        if (done >= state.maxRetries() || c == null) {
            if (c != null) {
                c.stats().upstreamRqRetryLimitExceeded.increment();
            }
            return -1;
        }
        if (!c.limits().priority(false).tryAcquireRetry()) {
            c.stats().upstreamRqRetryOverflow.increment();
            return -1;
        }
        held = c;
        done++;
        c.stats().upstreamRqRetry.increment();
        c.stats().upstreamRqRetryBackoffExponential.increment();
        if (backOff == null) {
            backOff = state.newBackOff();
        }
        return backOff.nextMillis();
    }

    /** The call got an answer it keeps: a retried one counts as a retry success. */
    void succeeded() {
        release();
        Cluster c = done > 0 ? cluster() : null;
        if (c != null) {
            c.stats().upstreamRqRetrySuccess.increment();
        }
    }

    /** Gives the breaker's slot back, if one is held (the retried try ended, or the call). */
    void release() {
        if (held != null) {
            held.limits().priority(false).retries.decrementAndGet();
            held = null;
        }
    }
}
