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
 * One stream to a cluster through the worker's connection pools, as Envoy's async client runs it
 * through a router: the host is chosen here; the pool takes the cluster's {@code max_requests}
 * slot and counts the request (upstream_rq_total, the active counts) as it binds it to a
 * connection (attachStreamToClient), and gives the slot back when the stream ends. The host's
 * {@code rq_success}/{@code rq_error} are counted here, where the async client's router counts
 * them (dynamic stats on): a non-5xx answer is a success, a 5xx one an error, a gRPC call's result
 * its {@code grpc-status}, a retried answer or reset an error, a reset before the answer an error
 * charged its 503 (502 for a protocol error), one after it only for a gRPC result still awaited.
 * Event-loop confined.
 */
abstract class ClusterExchange implements UpstreamCallbacks, Cancellable {

    private Cluster cluster;
    private Host host;
    private Cancellable pending;
    /** The pool's stream while the exchange is open. */
    UpstreamStream stream;
    boolean finished;
    /** The current try's answer headers were counted. */
    private boolean answered;
    /** A gRPC answer's host result waits for its grpc-status (Envoy's grpcRqSuccessDeferred). */
    private boolean grpcResultDeferred;

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
        cluster = c;
        host = h;
        answered = false;
        grpcResultDeferred = false;
        Cancellable p = ConnectionPools.get(loop, ctx.transport(), c, h, protocol).newStream(this);
        if (stream == null && !finished) {
            pending = p;
        }
        return null;
    }

    /** The host's results are the async client's router's to count (below), not the pool's. */
    @Override
    public final boolean poolCountsHostResults() {
        return false;
    }

    /** The pool's max_requests overflow names the connection's host, whose rq_error the router charges. */
    @Override
    public final void onAttachOverflow() {
        if (host != null) {
            host.stats.rqError.increment();
        }
        onPoolFailure(ResetReason.OVERFLOW, null);
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

    /**
     * No stream could be made; {@code why} names the pool's {@code reason}. The subclass decides
     * whether a retry follows and counts the failure with {@link #countFailure} first.
     */
    abstract void onConnectFailure(ResetReason reason, String why);

    @Override
    public final void onPoolFailure(ResetReason reason, String transportFailureReason) {
        pending = null;
        if (!finished) {
            onConnectFailure(reason, "upstream connect failure: " + reason
                    + (transportFailureReason == null ? "" : " " + transportFailureReason));
        }
    }

    /**
     * A connect failure or a reset of the current try, as the async client's router counts it:
     * retried (maybeRetryReset), the host's rq_error alone; else, before the answer, the reply's
     * code (503, 502 for a protocol error) and the host's rq_error (chargeUpstreamAbort; a pending
     * request's overflow names no host); after it, an error only for a gRPC result still awaited.
     */
    final void countFailure(ResetReason reason, boolean retried) {
        if (cluster == null) {
            return;
        }
        boolean named = reason != ResetReason.OVERFLOW;
        if (retried) {
            if (named) {
                host.stats.rqError.increment();
            }
        } else if (!answered) {
            cluster.stats().response(reason == ResetReason.PROTOCOL_ERROR ? 502 : 503);
            if (named) {
                host.stats.rqError.increment();
            }
        } else if (grpcResultDeferred) {
            grpcResultDeferred = false;
            host.stats.rqError.increment();
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

    /** Ends the exchange; false if already ended. */
    final boolean release() {
        if (finished) {
            return false;
        }
        finished = true;
        releaseTry();
        return true;
    }

    /** Lets go of the current try, the exchange going on (a retry connects again). */
    final void releaseTry() {
        cluster = null;
        host = null;
    }

    /**
     * The answer's headers: the cluster's code stats (under {@code retry.} for a retried one) and
     * the host's result as the router's onUpstreamHeaders counts it.
     */
    final void countAnswer(Http2Headers h, boolean endStream, boolean retried) {
        answered = true;
        int status = statusOf(h);
        if (retried) {
            cluster.stats().retriedResponse(status, true);
            host.stats.rqError.increment();
        } else {
            cluster.stats().response(status);
            if (status >= 500 && status < 600) {
                host.stats.rqError.increment();
            } else if (!grpc(requestHeaders())) {
                host.stats.rqSuccess.increment();
            } else if (endStream) {
                io.remora.http.router.HostResults.grpcResult(host, h);
            } else {
                grpcResultDeferred = true;
            }
        }
    }

    /** The answer ended: with {@code trailers} (null: without) a gRPC result awaited is their grpc-status, or an error. */
    final void countEnd(Http2Headers trailers) {
        if (grpcResultDeferred) {
            grpcResultDeferred = false;
            if (trailers == null) {
                host.stats.rqError.increment();
            } else {
                io.remora.http.router.HostResults.grpcResult(host, trailers);
            }
        }
    }

    /** The request's headers, whose content-type says whether the call is gRPC. */
    abstract Http2Headers requestHeaders();

    private static boolean grpc(Http2Headers request) {
        CharSequence ct = request == null ? null : request.get("content-type");
        return ct != null && ct.toString().regionMatches(true, 0, "application/grpc", 0, 16);
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

    /**
     * Envoy's onPerTryTimeoutCommon for the async client's router: the cluster's
     * upstream_rq_per_try_timeout (not upstream_rq_timeout), the host's rq_timeout and an outlier
     * timeout; then, retried (maybeRetryReset), the host's rq_error alone, else the 504 charged
     * (chargeUpstreamAbort: code stats, the host's rq_error). The try has its stream: the timer
     * runs from then.
     */
    final void countPerTryTimeout(boolean retried) {
        cluster.stats().upstreamRqPerTryTimeout.increment();
        host.stats.rqTimeout.increment();
        host.outlier().reportLocalOrigin(io.remora.upstream.OutlierMonitor.LocalOriginEvent.TIMEOUT);
        if (!retried) {
            cluster.stats().response(504);
        }
        host.stats.rqError.increment();
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
