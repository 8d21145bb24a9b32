package io.remora.http.router;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.accesslog.ResponseFlag;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.upstream.Cancellable;
import io.remora.http.upstream.ConnectionPool;
import io.remora.http.upstream.ConnectionPools;
import io.remora.http.upstream.PoolOptions;
import io.remora.http.upstream.ResetReason;
import io.remora.http.upstream.TcpTunnelStream;
import io.remora.http.upstream.UpstreamCallbacks;
import io.remora.http.upstream.UpstreamStream;
import io.remora.network.ConnectionInfo;
import io.remora.upstream.Cluster;
import io.remora.upstream.Host;

/**
 * One try of a request upstream (Envoy's UpstreamRequest): waits for a pool's stream, writes the
 * request the router holds, runs the per-try timers and upstream filters, and passes
 * the response to the router while it is the current try. Not final for one subclass only,
 * {@link LoggedUpstreamRequest}, made for routers with upstream logs.
 */
class UpstreamRequest implements UpstreamCallbacks {
    final RouterFilter router;
    /** The cluster the try goes out through: the route's, or the aggregate member that took it. */
    final Cluster cluster;
    final Host host;
    final Http2Headers headers;
    final long startNanos = System.nanoTime();
    Cancellable pending;
    UpstreamStream stream;
    boolean finished;
    boolean headersSent;
    boolean endSent;
    /** A tunnel's upstream half ended while the client's is still open. */
    boolean responseEnded;
    int written;
    /** The response's status, kept for when it ends; a short so the try stays in 64 bytes. */
    short status;
    /** The response headers carried an ORCA report: trailers' is not read (Envoy reads one per response). */
    boolean loadReported;
    private boolean trackingOpen = true;
    /** A gRPC response went downstream: the host's success or error waits for its grpc-status. */
    boolean grpcResultDeferred;
    /** A hedged per-try timeout reported this try to outlier detection (Envoy's outlierDetectionTimeoutRecorded). */
    boolean outlierTimeoutReported;
    /** The pool's max_requests overflow came with a connection's host, which is charged (Envoy's chargeUpstreamAbort). */
    boolean overflowAtAttach;
    /** Made when one of the try's timers runs. */
    TryTimers timers;
    /** The try's upstream HTTP filters; null when neither the cluster nor the router lists any. */
    final FilteredTry filtered;
    /** The try's own span, when the connection manager traces and spawns upstream spans; else null. */
    io.remora.tracing.UpstreamSpan span;

    UpstreamRequest(RouterFilter router, Cluster cluster, Host host, Http2Headers headers) {
        this.router = router;
        this.cluster = cluster;
        this.host = host;
        this.headers = headers;
        // Not for a tunnel yet: its body is a byte stream the router relays as it comes (Envoy does run them there).
        io.remora.http.filter.UpstreamHttpFilterChain chain = router.tunnel == null ? FilteredTry.chainFor(router) : null;
        this.filtered = chain == null ? null : new FilteredTry(this, chain);
        TrackedTry tracked = TrackedTry.of(cluster);
        if (tracked != null) {
            TryTimers.track(this, tracked);
        }
    }

    /** The router counts the host's rq_success/rq_error ({@link HostResults}), as Envoy's does. */
    @Override
    public boolean poolCountsHostResults() {
        return false;
    }

    /** Whether the request can be written: to the filters from the start, else once the pool gave a stream. */
    boolean writable() {
        return (stream != null || filtered != null) && !finished;
    }

    /**
     * Asks for the try's stream: from the host's pool, or a TCP connection of its own for a
     * CONNECT this proxy terminates. The router has made this its current try.
     */
    void start() {
        DecoderFilterCallbacks cb = router.cb;
        router.info.upstreamHostAttempted(host.address(), host.hostname());
        router.info.upstreamConfiguredAddress(host.configuredAddress());
        ConnectionInfo ci = cb.connection();
        // original_src (the listener's, or the HTTP filter's for this request) binds the downstream's
        // address, filter state may override ALPN, auto_sni names the server, a PROXY header carries
        // the downstream's addresses, the route's priority picks HIGH pools: pools keyed by all five.
        io.remora.network.ProxyProtocolData proxy = PoolOptions.proxyProtocolFor(cluster,
                router.info.filterState(), ci);
        io.remora.network.OriginalSource source = io.remora.network.OriginalSource.forRequest(
                router.info.filterState(), ci);
        Cancellable c;
        router.info.restartUpstreamTimings();
        mark(io.remora.accesslog.StreamTimings.Point.POOL_REQUESTED);
        if (router.tunnel != null && router.tunnel.terminate) {
            c = TcpTunnelStream.open(cb.eventLoop(), cb.serverContext().transport(), cluster,
                    host, source, cb.filterState(), proxy, router.action.highPriority(), this);
        } else {
            ConnectionPool pool = ConnectionPools.get(cb.eventLoop(), cb.serverContext().transport(), cluster, host,
                    Attempts.protocolFor(router, cluster),
                    PoolOptions.forRequest(source, router.info.filterState(), proxy, router.action.highPriority()));
            if (pool == ConnectionPools.REFUSED) {
                // max_connection_pools: Envoy's router gets no pool and answers as without a healthy host.
                release();
                UpstreamAbort.reply(router, 503, "no healthy upstream", ResponseFlag.NO_HEALTHY_UPSTREAM,
                        "no_healthy_upstream");
                return;
            }
            c = pool.newStream(this);
        }
        if (stream == null && !finished) {
            pending = c;
        }
        if (filtered != null && !headersSent && !finished) {
            // As Envoy: the filters see the request while the pool connects.
            router.flushCurrent();
        }
    }

    /** Writes what the router holds and this try has not sent yet; overridden to count the bytes for upstream logs. */
    void flush() {
        TryRequestWriter.flush(this);
    }

    /** Request bytes went upstream: the first ones, and the last when {@code end}. */
    void sent(boolean end) {
        mark(io.remora.accesslog.StreamTimings.Point.US_TX_BEG);
        if (end) {
            mark(io.remora.accesslog.StreamTimings.Point.US_TX_END);
        }
    }

    /** A moment of this try's upstream timing, kept in the stream's info (when some format reads it). */
    void mark(io.remora.accesslog.StreamTimings.Point p) {
        router.info.mark(p);
    }

    /** Stops this try (retry, timeout, downstream gone): resets the upstream stream. */
    void abandon() {
        if (finished) {
            return;
        }
        if (pending != null) {
            pending.cancel();
            pending = null;
        }
        if (stream != null) {
            cluster.stats().upstreamRqTxReset.increment();
            stream.reset();
        }
        if (span != null) {
            span.canceled();
        }
        release();
    }

    void complete() {
        release();
    }

    /** Cancels the timers, ends the upstream filters and the try's track_cluster_stats sizes; idempotent. */
    void release() {
        finished = true;
        if (span != null) {
            span.finish(stream == null ? null : stream.protocol(), host.address());
        }
        TryTimers.cancelAll(this);
        if (filtered != null) {
            filtered.destroy();
        }
        if (trackingOpen) {
            trackingOpen = false;
            TrackedTry tracked = TryTimers.tracked(this);
            if (tracked != null) {
                tracked.end(this);
            }
        }
        if (router.current == this && router.decodingPaused && !router.done) {
            router.decodingPaused = false;
            router.cb.resumeDecoding();
        }
    }

    /** The stream's meters: every try adds to the same upstream counts, as Envoy sums a retry's into the last. */
    @Override
    public io.remora.accesslog.WireBytes wireBytes() {
        return router.info.wireBytes();
    }

    @Override
    public void onConnectionClosed(io.remora.accesslog.ConnectionCloses.Type type, String localReason) {
        router.info.upstreamClosed(type, localReason);
    }

    @Override
    public void onPoolReady(UpstreamStream s) {
        pending = null;
        TryAccounting.bound(this);
        if (finished) {
            s.reset();
            return;
        }
        stream = s;
        mark(io.remora.accesslog.StreamTimings.Point.POOL_READY);
        TryAccounting.ready(this, s);
        describeUpstream();
        if (router.downstreamBlocked) {
            // as Envoy's addDownstreamWatermarkCallbacks replays a high watermark already reached
            router.stats.upstreamFlowControlPausedReadingTotal.increment();
            s.readEnabled(false);
        }
        TryTimers.startMaxDuration(this);
        if (filtered != null) {
            filtered.poolReady(s);
        }
        router.flushCurrent();
        if (router.downstreamEnded) {
            TryTimers.startPerTry(this);
        }
        if (router.decodingPaused && s.isWritable() && !router.done) {
            router.decodingPaused = false;
            router.cb.resumeDecoding();
        } else if (!s.isWritable()) {
            router.upstreamWritable(false);
        }
    }

    /** The stream's upstream details are this try's: the latest's, or a hedged try's that won. */
    void describeUpstream() {
        TryAccounting.describe(this);
    }

    /**
     * Whether the router still wants this try's response: it is the current try, or an earlier one
     * a hedge left running (looked up only when it is not current, which is rare).
     */
    boolean answers() {
        return !finished && (router.current == this || Hedging.isEarlier(router, this));
    }

    /** The response's headers reached the router (after the try's upstream filters): only upstream logs keep them. */
    void responseHeaders(Http2Headers h, int status) {
        if (span != null) {
            span.responseHeaders(h, status);
        }
    }

    /** A reset or a failed connect ends this try: counts, outlier report and the reason, before the router decides. */
    void recordReset(ResetReason reason, String transportFailure) {
        if (span != null) {
            span.reset(reason.text, reason.responseFlag());
        }
        TryAccounting.reset(this, reason, transportFailure);
    }

    @Override
    public void onAttachOverflow() {
        overflowAtAttach = true;
        onPoolFailure(ResetReason.OVERFLOW, null);
    }

    @Override
    public void onPoolFailure(ResetReason reason, String transportFailureReason) {
        pending = null;
        if (!answers()) {
            return;
        }
        UpstreamResponse.onReset(router, this, reason, transportFailureReason);
    }

    @Override
    public void onResponseHeaders(Http2Headers h, boolean endStream) {
        if (!answers()) {
            return;
        }
        TryTimers.resetIdle(this);
        TrackedTry tracked = TryTimers.tracked(this);
        if (tracked != null) {
            tracked.responseHeaders(h);
        }
        if (filtered != null) {
            filtered.filters.encodeHeaders(h, endStream);
        } else {
            UpstreamResponse.onHeaders(router, this, h, endStream);
        }
    }

    @Override
    public void onResponse1xx(Http2Headers headers) {
        if (router.done || !answers()) {
            return;
        }
        UpstreamResponse.on1xx(router, this, headers);
    }

    @Override
    public void onResponseData(ByteBuf data, boolean endStream) {
        if (finished || router.current != this || router.done) {
            data.release();
            return;
        }
        TryTimers.resetIdle(this);
        mark(io.remora.accesslog.StreamTimings.Point.US_RX_BODY_BEG);
        TrackedTry tracked = TryTimers.tracked(this);
        if (tracked != null) {
            tracked.responseData(data.readableBytes());
        }
        if (filtered != null) {
            filtered.filters.encodeData(data, endStream);
        } else {
            deliverData(data, endStream);
        }
    }

    /** Response body for the router, straight from the stream or out of the upstream filters. */
    void deliverData(ByteBuf data, boolean endStream) {
        if (finished || router.current != this || router.done) {
            data.release();
            return;
        }
        if (endStream && router.tunnel != null && router.tunnel.established && !router.downstreamEnded) {
            // Half-close: keep forwarding the client's bytes until it ends its side too.
            responseEnded = true;
        } else if (endStream) {
            UpstreamResponse.onComplete(router, this);
        }
        router.cb.encodeData(data, endStream);
    }

    @Override
    public void onResponseTrailers(Http2Headers trailers) {
        if (filtered != null) {
            if (!finished && router.current == this && !router.done) {
                filtered.filters.encodeTrailers(trailers);
            }
        } else {
            deliverTrailers(trailers);
        }
    }

    void deliverTrailers(Http2Headers trailers) {
        if (finished || router.current != this || router.done) {
            return;
        }
        TryAccounting.trailers(this, trailers);
        if (span != null) {
            span.responseTrailers(trailers);
        }
        UpstreamResponse.onComplete(router, this);
        router.cb.encodeTrailers(trailers);
    }

    @Override
    public void onReset(ResetReason reason) {
        if (router.done || !answers()) {
            return;
        }
        UpstreamResponse.onReset(router, this, reason, null);
    }

    @Override
    public void onWritabilityChanged(boolean writable) {
        if (!finished && router.current == this && !router.done) {
            router.upstreamWritable(writable);
        }
    }

    @Override
    public int requestBufferLimit() {
        return router.cb.bufferLimit();
    }
}
