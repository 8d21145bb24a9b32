package io.remora.extensions.filters.http.common;

import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.ClusterConfig.UpstreamProtocol;
import io.remora.http.upstream.Cancellable;
import io.remora.http.upstream.ConnectionPools;
import io.remora.http.upstream.ResetReason;
import io.remora.http.upstream.UpstreamCallbacks;
import io.remora.http.upstream.UpstreamStream;
import io.remora.server.ServerContext;
import io.remora.upstream.Cluster;
import io.remora.upstream.Host;
import io.remora.upstream.LoadBalancerContext;

/**
 * One stream to a cluster through the worker's connection pools, with what the router's upstream
 * requests also pay: host choice and the request circuit breaker, given back once in
 * {@link #release()}; the pool counts the request (upstream_rq_total, the active counts) as it
 * binds it to a connection, as Envoy's async client's pool does. Event-loop confined.
 */
abstract class ClusterExchange implements UpstreamCallbacks, Cancellable {

    private Cluster cluster;
    private Host host;
    private Cancellable pending;
    /** The pool's stream while the exchange is open. */
    UpstreamStream stream;
    boolean finished;

    /**
     * Asks the cluster's pool for a stream ({@link #onStream} follows, or a pool failure); returns
     * why none can be asked for (then nothing is held), or null.
     */
    final String connect(EventLoop loop, ServerContext ctx, String clusterName, UpstreamProtocol protocol) {
        Cluster named = ctx.clusterManager().get(clusterName);
        if (named == null) {
            return "cluster '" + clusterName + "' does not exist";
        }
        Cluster c = named.pickCluster(LoadBalancerContext.NONE);
        Host h = c == null ? null : c.chooseHost(LoadBalancerContext.NONE);
        if (h == null) {
            named.stats().upstreamCxNoneHealthy.increment();
            // Envoy's async client runs a router keeping dynamic stats: its no-host reply is a 503 of the cluster.
            named.stats().response(503);
            return "no healthy upstream";
        }
        if (!c.limits().tryAcquireRequest()) {
            c.stats().upstreamRqActiveOverflow.increment();
            // The router's chargeUpstreamAbort for its pool's overflow.
            c.stats().response(503);
            return "overflow";
        }
        cluster = c;
        host = h;
        Cancellable p = ConnectionPools.get(loop, ctx.transport(), c, h, protocol).newStream(this);
        if (stream == null && !finished) {
            pending = p;
        }
        return null;
    }

    /** The exchange holds its cluster's max_requests slot itself, from {@link #connect} on. */
    @Override
    public final boolean poolTakesRequestSlot() {
        return false;
    }

    /** The stream is ready: write the request. */
    abstract void onStream(UpstreamStream s);

    @Override
    public final void onPoolReady(UpstreamStream s) {
        pending = null;
        if (finished) {
            s.reset();
            return;
        }
        stream = s;
        onStream(s);
    }

    /** No stream could be made; {@code why} names the pool's {@code reason}. */
    abstract void onConnectFailure(ResetReason reason, String why);

    @Override
    public final void onPoolFailure(ResetReason reason, String transportFailureReason) {
        pending = null;
        if (!finished) {
            // As the async client's router: a failure before the response is charged as its reply's code.
            if (cluster != null) {
                cluster.stats().response(reason == ResetReason.PROTOCOL_ERROR ? 502 : 503);
                if (reason != ResetReason.OVERFLOW) {
                    // The connect failure names its host, whose rq_error chargeUpstreamAbort counts.
                    host.stats.rqError.increment();
                }
            }
            onConnectFailure(reason, "upstream connect failure: " + reason
                    + (transportFailureReason == null ? "" : " " + transportFailureReason));
        }
    }

    /** Drops the pending pool request or resets the stream (counted as a local reset). */
    final void abandon() {
        if (pending != null) {
            pending.cancel();
            pending = null;
        }
        if (stream != null) {
            cluster.stats().upstreamRqTxReset.increment();
            stream.reset();
            stream = null;
        }
    }

    /** Gives back the circuit-breaker slot; false if already given back. */
    final boolean release() {
        if (finished) {
            return false;
        }
        finished = true;
        releaseTry();
        return true;
    }

    /** Gives back what the current try holds, the exchange going on (a retry connects again). */
    final void releaseTry() {
        if (cluster != null) {
            cluster.limits().requests.decrementAndGet();
            cluster = null;
            host = null;
        }
    }

    /** Counts the response in the cluster's stats (upstream_rq_2xx...). */
    final void countResponse(Http2Headers h) {
        cluster.stats().response(statusOf(h));
    }

    /**
     * Envoy's async client's router on its timeout (onResponseTimeout, dynamic stats on): the
     * cluster's upstream_rq_timeout and, once a connection was bound, the host's rq_timeout; an
     * exchange still awaiting its response headers is charged the 504 (chargeUpstreamAbort: code
     * stats, the host's rq_error) and its host reported to outlier detection.
     */
    final void countTimeout(boolean awaitingHeaders) {
        cluster.stats().upstreamRqTimeout.increment();
        if (stream != null) {
            host.stats.rqTimeout.increment();
        }
        if (awaitingHeaders) {
            cluster.stats().response(504);
            if (stream != null) {
                host.outlier().reportLocalOrigin(io.remora.upstream.OutlierMonitor.LocalOriginEvent.TIMEOUT);
                host.stats.rqError.increment();
            }
        }
    }

    final void countRemoteReset() {
        cluster.stats().upstreamRqRxReset.increment();
    }

    static int statusOf(Http2Headers h) {
        try {
            return h == null || h.status() == null ? 0 : Integer.parseInt(h.status().toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
