package io.remora.http.router;

import io.remora.util.WorkerTimer;

import java.time.Duration;

/**
 * A try's timers, made only when one runs (most tries have none): the route's per_try_timeout
 * (from the request's end), per_try_idle_timeout (re-armed on every byte) and the cluster's
 * max_stream_duration (from the upstream stream's start). One field in every try instead of three;
 * it also carries the try's track_cluster_stats, as rare, which outlive the timers.
 */
final class TryTimers {
    private WorkerTimer.Timeout perTry;
    private WorkerTimer.Timeout perTryIdle;
    private WorkerTimer.Timeout maxDuration;
    /** The try's track_cluster_stats; null when its cluster tracks nothing. */
    private TrackedTry tracked;

    private static TryTimers of(UpstreamRequest a) {
        if (a.timers == null) {
            a.timers = new TryTimers();
        }
        return a.timers;
    }

    /** A try of a cluster with track_cluster_stats: made now, kept until the try is dropped. */
    static void track(UpstreamRequest a, TrackedTry t) {
        of(a).tracked = t;
    }

    /** The try's track_cluster_stats, or null. */
    static TrackedTry tracked(UpstreamRequest a) {
        return a.timers == null ? null : a.timers.tracked;
    }

    /**
     * Envoy's setupPerTryTimeout, once the request has ended and the try has its stream: the
     * per-try timer and the per-try idle one (not running while the request still arrives).
     */
    static void startPerTry(UpstreamRequest a) {
        RouterFilter r = a.router;
        if (r.perTryTimeoutMillis > 0 && (a.timers == null || a.timers.perTry == null) && !a.finished) {
            WorkerTimer.Timeout t = new WorkerTimer.Timeout(() -> Timeouts.onPerTryTimeout(r, a, false));
            of(a).perTry = t;
            WorkerTimer.of(r.cb.eventLoop()).armMillis(t, r.perTryTimeoutMillis);
        }
        startIdle(a);
    }

    static void cancelPerTry(UpstreamRequest a) {
        if (a.timers != null && a.timers.perTry != null) {
            a.timers.perTry.cancel();
            a.timers.perTry = null;
        }
    }

    /** Envoy's resetPerTryIdleTimer: response bytes re-arm the idle timer once it was set up. */
    static void resetIdle(UpstreamRequest a) {
        if (a.timers != null && a.timers.perTryIdle != null) {
            startIdle(a);
        }
    }

    private static void startIdle(UpstreamRequest a) {
        RouterFilter r = a.router;
        if ((r.tunnel != null && r.tunnel.established) || a.finished) {
            return;
        }
        // The route's policy's, whether or not the request may be retried (Envoy's finalTimeout).
        io.remora.config.RetryPolicy policy = r.retry != null ? null : r.route.retryPolicy();
        Duration idle = r.retry != null ? r.retry.perTryIdleTimeout() : policy == null ? null : policy.perTryIdleTimeout();
        if (idle == null || idle.isZero()) {
            return;
        }
        TryTimers t = of(a);
        if (t.perTryIdle == null) {
            t.perTryIdle = new WorkerTimer.Timeout(() -> Timeouts.onPerTryTimeout(r, a, true));
        }
        // re-armed on every byte: an unlink and an append, no scheduled task
        WorkerTimer.of(r.cb.eventLoop()).armMillis(t.perTryIdle, idle.toMillis());
    }

    static void cancelIdle(UpstreamRequest a) {
        if (a.timers != null && a.timers.perTryIdle != null) {
            a.timers.perTryIdle.cancel();
            a.timers.perTryIdle = null;
        }
    }

    /**
     * Envoy's UpstreamRequest max_stream_duration_timer_, armed when the pool hands over the stream:
     * the request's x-envoy-upstream-stream-duration-ms when it had one, else the cluster's; 0 is none.
     */
    static void startMaxDuration(UpstreamRequest a) {
        long millis = a.router.dynamicMaxStreamDurationMillis;
        if (millis < 0) {
            Duration d = a.cluster.config().maxStreamDuration();
            millis = d == null ? 0 : d.toMillis();
        }
        if (millis > 0 && !a.finished) {
            WorkerTimer.Timeout t = new WorkerTimer.Timeout(() -> Timeouts.onMaxStreamDuration(a.router, a));
            of(a).maxDuration = t;
            WorkerTimer.of(a.router.cb.eventLoop()).armMillis(t, millis);
        }
    }

    /** Every timer of the try, when it ends however it ends. */
    static void cancelAll(UpstreamRequest a) {
        TryTimers t = a.timers;
        if (t == null) {
            return;
        }
        for (WorkerTimer.Timeout x : new WorkerTimer.Timeout[] {t.perTry, t.perTryIdle, t.maxDuration}) {
            if (x != null) {
                x.cancel();
            }
        }
        if (t.tracked == null) {
            a.timers = null;
        } else {
            t.perTry = null;
            t.perTryIdle = null;
            t.maxDuration = null;
        }
    }
}
