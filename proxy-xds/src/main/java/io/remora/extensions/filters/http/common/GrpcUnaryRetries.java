package io.remora.extensions.filters.http.common;

import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.concurrent.ScheduledFuture;
import io.remora.config.ClusterConfig.UpstreamProtocol;
import io.remora.config.RetryPolicy;
import io.remora.http.router.RetryState;
import io.remora.http.upstream.Cancellable;
import io.remora.server.ServerContext;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A unary gRPC call under its service's {@code retry_policy}, as Envoy's async client runs it through the router:
 * a try whose answer (response headers, a trailers-only grpc-status) or reset the policy's {@code retry_on} names
 * is sent again after the jittered back-off, at most {@code num_retries} times, each retry holding a slot of the
 * cluster's max_retries breaker; every try is bounded, from its stream being ready, by the per-try timeout (the
 * back-off's max_interval, as Envoy's conversion sets it) and the whole call by the call's own timeout. Only made
 * when a policy is set.
 * Event-loop confined.
 */
final class GrpcUnaryRetries implements Cancellable {

    private final EventLoop loop;
    private final ServerContext context;
    private final String clusterName;
    private final Http2Headers headers;
    private final byte[] framed;
    private final Consumer<ClusterCall.Response> done;
    private final CallRetries retries;
    /** The per-try timeout when it ends a try before the call's own timeout would, else null. */
    private final Duration perTry;
    /** The try under way; null while a retry waits for its back-off. */
    private ClusterCall current;
    /** The last try's outcome was one the policy retries (whether or not a retry was left). */
    private boolean wanted;
    /** The wait before the retry of the last try's outcome; -1: not retried. */
    private long nextWait = -1;
    private ScheduledFuture<?> backoffTimer;
    private ScheduledFuture<?> deadline;
    private boolean finished;

    private GrpcUnaryRetries(EventLoop loop, ServerContext context, String clusterName, Http2Headers headers,
                             byte[] framed, CallRetries retries, Duration perTry, Consumer<ClusterCall.Response> done) {
        this.loop = loop;
        this.context = context;
        this.clusterName = clusterName;
        this.headers = headers;
        this.framed = framed;
        this.retries = retries;
        this.perTry = perTry;
        this.done = done;
    }

    static Cancellable start(EventLoop loop, ServerContext context, String clusterName, Http2Headers headers,
                             byte[] framed, Duration timeout, RetryPolicy policy, Consumer<ClusterCall.Response> done) {
        // As Envoy's router: the request's own x-envoy-retry-* (from initial_metadata) add to the policy.
        RetryState state = RetryState.create(policy, headers);
        if (state == null) {
            return ClusterCall.start(loop, context, clusterName, UpstreamProtocol.HTTP2, headers, framed, timeout,
                    done);
        }
        boolean bounded = timeout != null && !timeout.isZero();
        Duration perTry = policy.perTryTimeout();
        if (perTry != null && (perTry.isZero() || bounded && perTry.compareTo(timeout) >= 0)) {
            perTry = null; // as Envoy's router: a per-try timeout not below the global one is not armed
        }
        GrpcUnaryRetries call = new GrpcUnaryRetries(loop, context, clusterName, headers, framed,
                new CallRetries(state, context, clusterName), perTry, done);
        if (bounded) {
            call.deadline = loop.schedule(call::onDeadline, timeout.toNanos(), TimeUnit.NANOSECONDS);
        }
        call.attempt();
        return call;
    }

    private void attempt() {
        backoffTimer = null;
        ClusterCall c = ClusterCall.startTry(loop, context, clusterName, UpstreamProtocol.HTTP2, headers, framed,
                perTry, this::decide, this::onTry);
        if (!finished) {
            current = c;
        }
    }

    /**
     * Envoy's shouldRetry on a try's outcome, taken by the try before it counts its host's result
     * (a retried answer or reset is the host's error); true when a retry follows.
     */
    private boolean decide(ClusterCall.Response r) {
        wanted = !finished && wouldRetry(r);
        nextWait = wanted ? retries.admit() : -1;
        return nextWait >= 0;
    }

    private void onTry(ClusterCall.Response r) {
        if (finished) {
            return;
        }
        current = null;
        long wait = nextWait;
        boolean retriable = wanted;
        nextWait = -1;
        wanted = false;
        if (wait < 0) {
            if (!retriable && r.headers() != null) {
                retries.succeeded();
            }
            finish(r);
            return;
        }
        backoffTimer = loop.schedule(this::attempt, wait, TimeUnit.MILLISECONDS);
    }

    /** Envoy's wouldRetryFromHeaders on the answer's headers, wouldRetryFromReset on a reset or per-try timeout. */
    private boolean wouldRetry(ClusterCall.Response r) {
        RetryState state = retries.state;
        if (r.headers() != null) {
            return state.wouldRetry(r.status(), r.headers(), r.trailers() == null);
        }
        if (r.reset() != null) {
            return state.wouldRetry(r.reset());
        }
        // A timeout here is the per-try one: the call's own ends the call in onDeadline.
        return perTry != null && "timeout".equals(r.failure()) && state.wouldRetryTimeout();
    }

    /**
     * The call's own timeout, as Envoy's onResponseTimeout: the try under way counts it (none
     * while a retry waits for its back-off).
     */
    private void onDeadline() {
        deadline = null;
        if (!finished) {
            if (current != null) {
                current.timeOut();
                current = null;
            }
            finish(new ClusterCall.Response(null, null, null, "timeout"));
        }
    }

    @Override
    public void cancel() {
        if (!finished) {
            if (current != null) {
                current.cancel();
                current = null;
            }
            end();
        }
    }

    private void finish(ClusterCall.Response r) {
        end();
        done.accept(r);
    }

    private void end() {
        finished = true;
        retries.release();
        if (backoffTimer != null) {
            backoffTimer.cancel(false);
            backoffTimer = null;
        }
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }
}
