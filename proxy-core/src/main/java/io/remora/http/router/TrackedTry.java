package io.remora.http.router;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.ClusterOptions;
import io.remora.stats.TrackedClusterStats;
import io.remora.upstream.Cluster;

import java.util.concurrent.TimeUnit;

/**
 * A try's share of its cluster's track_cluster_stats, as Envoy's UpstreamRequest records them:
 * when the try ends, the per-try timeout budget used and the header and body sizes each way; when
 * the response completes, the route timeout budget used. Made only for a cluster that tracks them.
 */
final class TrackedTry {
    /** Envoy's percentageOfTimeout precision: whole percent. */
    private static final long PERCENT = 100;
    private final TrackedClusterStats budgets;
    private final TrackedClusterStats.Sizes sizes;
    private long responseHeadersSize = -1;
    private long responseBodySize;
    private boolean perTryBudgetTold;

    private TrackedTry(TrackedClusterStats budgets, TrackedClusterStats.Sizes sizes) {
        this.budgets = budgets;
        this.sizes = sizes;
    }

    /** Null (nothing to track) for most clusters. */
    static TrackedTry of(Cluster c) {
        ClusterOptions o = c.config().options();
        if (!o.trackTimeoutBudgets() && !o.trackRequestResponseSizes()) {
            return null;
        }
        // A config that has just asked may not have its histograms registered yet: null, untracked.
        TrackedClusterStats budgets = o.trackTimeoutBudgets() ? c.stats().timeoutBudgets : null;
        TrackedClusterStats.Sizes sizes = o.trackRequestResponseSizes() ? c.stats().sizes : null;
        return budgets == null && sizes == null ? null : new TrackedTry(budgets, sizes);
    }

    void responseHeaders(Http2Headers h) {
        responseHeadersSize = io.remora.accesslog.HeaderBytesOperators.byteSize(h);
    }

    void responseData(int bytes) {
        responseBodySize += bytes;
    }

    /** The response is complete: the share of the route's timeout spent since the request ended. */
    void responseComplete(RouterFilter r) {
        if (budgets != null) {
            long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - r.downstreamEndNanos);
            budgets.timeoutBudgetPercentUsed.record(percentOf(elapsed, r.globalTimeoutMillis));
        }
    }

    /** The route's timeout fired during this try: all of it used; the per-try budget is not told (Envoy's). */
    void globalTimeout() {
        if (budgets != null) {
            budgets.timeoutBudgetPercentUsed.record(PERCENT);
            perTryBudgetTold = true;
        }
    }

    /** The try is over, however it ended. */
    void end(UpstreamRequest a) {
        if (budgets != null && !perTryBudgetTold) {
            perTryBudgetTold = true;
            long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - a.startNanos);
            budgets.timeoutBudgetPerTryPercentUsed.record(percentOf(elapsed, a.router.perTryTimeoutMillis));
        }
        if (sizes != null) {
            sizes.rqHeaders.record(io.remora.accesslog.HeaderBytesOperators.byteSize(a.headers));
            sizes.rqBody.record(a.router.body.received());
            if (responseHeadersSize >= 0) {
                sizes.rsHeaders.record(responseHeadersSize);
                sizes.rsBody.record(responseBodySize);
            }
        }
    }

    /** A timeout of 0 is none: nothing of it is ever used. */
    private static long percentOf(long elapsedMillis, long timeoutMillis) {
        return timeoutMillis <= 0 ? 0 : elapsedMillis * PERCENT / timeoutMillis;
    }
}
