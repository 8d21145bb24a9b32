package io.remora.http.router;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.util.WorkerTimer;
import io.remora.accesslog.StreamInfo;
import io.remora.config.ClusterConfig.UpstreamProtocol;
import io.remora.config.ForwardAction;
import io.remora.config.RouterFilterConfig;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamDecoderFilter;
import io.remora.http.filter.WatermarkCallbacks;
import io.remora.route.RouteEntry;
import io.remora.stats.ClusterStats;
import io.remora.upstream.Cluster;

import java.util.List;

/**
 * Envoy's router for one stream: picks cluster and host, forwards the request through a
 * per-worker connection pool, streams the response back, and retries, times out and mirrors
 * as the route says. Event-loop confined.
 */
public final class RouterFilter extends WorkerTimer.Timeout implements StreamDecoderFilter, WatermarkCallbacks,
        io.remora.overload.BufferedBytes {
    static final AsciiString ATTEMPT_COUNT = AsciiString.cached("x-envoy-attempt-count");
    static final AsciiString CONTENT_TYPE = AsciiString.cached("content-type");
    static final AsciiString TIMEOUT_ALT_RESPONSE = AsciiString.cached("x-envoy-upstream-rq-timeout-alt-response");
    private static final AsciiString ALT_STAT_NAME = AsciiString.cached("x-envoy-upstream-alt-stat-name");
    static final AsciiString APPLICATION_GRPC = AsciiString.cached("application/grpc");
    static final String RESET_BEFORE_HEADERS = "upstream connect error or disconnect/reset before headers. ";

    /** The config and upstream filters of the router's filter, one reference for both. */
    final RouterFilterProvider.Factory shared;
    DecoderFilterCallbacks cb;
    StreamInfo info;
    RouteEntry route;
    ForwardAction action;
    Cluster cluster;
    ClusterStats stats;
    /** The code stats the request's x-envoy-upstream-alt-stat-name charges too; null without one. */
    io.remora.stats.AltStatCodeStats altStats;
    UpstreamProtocol protocol;
    Http2Headers requestHeaders;
    Http2Headers requestTrailers;
    /** Kept whole for a retry or an internal redirect until it outgrows the buffer limit. */
    RequestBody body = RequestBody.NONE;
    /** Keep every chunk of {@link #body} for a replay (until the buffer limit says otherwise). */
    boolean retainBody;
    /** The body outgrew the retry buffer: as Envoy's retry_state_.reset(), no further try may start. */
    boolean bodyAbandoned;
    boolean downstreamEnded;
    long downstreamEndNanos;
    RetryState retry;
    /** Made at the first retry decision: most streams never need one. */
    RetryGate retryGate;
    /** The route's timeout, as {@link Timeouts#compute} found it; 0 = none. */
    long globalTimeoutMillis;
    /**
     * A try's timeout (0 = none), at most Integer.MAX_VALUE ms (24 days): an int, so that it and the
     * next field share the 8 bytes one long took and the router's filter stays 144 bytes a request.
     */
    int perTryTimeoutMillis;
    /**
     * The request's x-envoy-upstream-stream-duration-ms (0: none), which replaces the cluster's
     * max_stream_duration for every try; -1 without the header.
     */
    int dynamicMaxStreamDurationMillis = -1;
    UpstreamRequest current;
    /** The mirror copies still taking the request's body and trailers as they pass; null when none. */
    List<ShadowRequest> shadows;
    boolean responseStarted;
    boolean done;
    boolean decodingPaused;
    boolean downstreamBlocked;
    /**
     * The request asked with x-envoy-upstream-rq-timeout-alt-response for a 204 on timeout. A flag
     * rather than the status: two bytes hold it and {@link #hedge}, and the object stays 144 bytes.
     */
    boolean timeoutAltResponse;
    /**
     * Envoy's hedging_params_ (the route's or virtual host's hedge policy, or the request's
     * x-envoy-hedge-on-per-try-timeout): a per-try timeout leaves the try running, with or without
     * a retry state.
     */
    boolean hedge;
    /** An upgrade, CONNECT or connect_config request: its body is a byte stream (see {@link Tunnel}). */
    Tunnel tunnel;
    private final RouterLbContext lb = new RouterLbContext(this);

    /** 504, or 204 when the request asked for x-envoy-upstream-rq-timeout-alt-response. */
    int timeoutStatus() {
        return timeoutAltResponse ? 204 : 504;
    }

    RouterLbContext lbContext() {
        return lb;
    }

    RouterFilter(RouterFilterConfig config) {
        this(new RouterFilterProvider.Factory(config, null, null));
    }

    RouterFilter(RouterFilterProvider.Factory shared) {
        this.shared = shared;
    }

    /**
     * The route's timeout expired. The router is its own timeout on the worker's timer (no
     * scheduled task, no timeout object per request: WorkerTimer).
     */
    @Override
    protected void fire() {
        Timeouts.onGlobalTimeout(this);
    }

    @Override
    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        this.cb = callbacks;
        this.info = callbacks.streamInfo();
        callbacks.setDownstreamWatermarkCallbacks(this);
    }

    // ------------------------------------------------------------------ request path

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        route = cb.route();
        ForwardAction fa = RouteLocalReplies.forwardOrReply(this, headers);
        if (fa == null) {
            return FilterStatus.STOP_ITERATION;
        }
        action = fa;
        String name = cb.clusterName();
        cluster = RouteLocalReplies.clusterOrReply(this, name);
        if (cluster == null) {
            return FilterStatus.STOP_ITERATION;
        }
        io.remora.route.CompiledVirtualCluster vc = route.virtualCluster(headers);
        if (vc != null) {
            // As Envoy: chosen once the cluster is known, from the request before the route's rewrites.
            info.virtualCluster(vc.name(), vc.stats(cb.serverContext().stats()));
        }
        info.routeStats(route.routeStats(cb.serverContext().stats()));
        java.util.List<String> strict = shared.config().strictCheckHeaders();
        if (!strict.isEmpty() && !StrictHeaderChecks.pass(this, headers, strict)) {
            return FilterStatus.STOP_ITERATION;
        }
        if (cb.shouldLoadShed()) {
            done = true;
            cb.connectionManagerStats().rqOverloadLocalReply.increment();
            cb.sendLocalReply(503, "envoy overloaded", null, "overload");
            return FilterStatus.STOP_ITERATION;
        }
        stats = cluster.stats();
        CharSequence altStatName = headers.getAndRemove(ALT_STAT_NAME);
        if (altStatName != null && shared.config().dynamicStats()) {
            // As Envoy's router: read once the cluster is known, and never sent upstream.
            altStats = stats.altStat(altStatName.toString());
        }
        if (RouteLocalReplies.maintenanceMode(this) || RouteLocalReplies.dropOverload(this)) {
            return FilterStatus.STOP_ITERATION;
        }
        protocol = Attempts.protocolOf(cluster, cb.downstreamProtocol());
        requestHeaders = headers;
        // As Envoy's decodeHeaders: the first try's host is picked before the route's rewrites and
        // header mutations, which the hash policies and ORIGINAL_DST's header therefore do not see.
        Cluster target = cluster.pickCluster(lb);
        io.remora.upstream.Host host = target == null ? null : target.chooseHost(lb);
        if (host == null) {
            Attempts.noHost(this);
            return FilterStatus.STOP_ITERATION;
        }

        RouterRequestHeaders.prepare(this, headers, fa, name);
        List<MirrorSampling.Mirror> mirrors = tunnel == null ? MirrorSampling.sample(fa.mirrors(), cb) : null;
        // As Envoy's decodeData: a state retrying nothing holds no body, even when it may hedge.
        retainBody = (retry != null && retry.enabled()) || (tunnel == null && fa.internalRedirectPolicy() != null);
        if (endStream) {
            // Before the attempt: an idle pooled connection answers at once and must see the end.
            onDownstreamEnd();
        }
        Attempts.start(this, target, host);
        if (mirrors != null && !done) {
            // As Envoy's streaming shadows: the copies start once the headers went to the first try.
            shadows = MirrorCopies.startAll(this, mirrors, endStream);
        }
        return FilterStatus.STOP_ITERATION;
    }

    @Override
    public FilterStatus decodeData(ByteBuf data, boolean endStream) {
        if (done) {
            data.release();
            return FilterStatus.STOP_ITERATION;
        }
        if (shadows != null) {
            MirrorCopies.data(shadows, data, endStream);
            if (endStream) {
                shadows = null;
            }
        }
        if (body == RequestBody.NONE) {
            body = new RequestBody();
        }
        body.add(data);
        if (retainBody && body.received() > retainLimit()) {
            // Envoy's "retry buffer overflow": the body can no longer be replayed.
            retainBody = false;
            bodyAbandoned = true;
            stats.retryOrShadowAbandoned.increment();
            if (current == null && retryGate != null && retryGate.backoffPending()) {
                // As Envoy: a retry waiting for its back-off can no longer be sent, and no try runs.
                finish();
                UpstreamAbort.send(this, 507, "exceeded request buffer limit while retrying upstream", null,
                        "request_payload_exceeded_retry_buffer_limit", null);
                return FilterStatus.STOP_ITERATION;
            }
        }
        if (endStream) {
            onDownstreamEnd();
        }
        flushCurrent();
        Tunnel.completeIfBothEnded(this);
        return FilterStatus.STOP_ITERATION;
    }

    /**
     * What {@link #body} may grow to while kept for a replay: the stream's buffer limit, or the
     * route's per_request_buffer_limit_bytes when smaller (Envoy's retry_shadow_buffer_limit).
     * Worked out per chunk rather than kept: a field would cost every stream.
     */
    int retainLimit() {
        int route = action.requestBufferLimit();
        return route == ForwardAction.NO_REQUEST_BUFFER_LIMIT ? cb.bufferLimit() : Math.min(cb.bufferLimit(), route);
    }

    @Override
    public FilterStatus decodeTrailers(Http2Headers trailers) {
        if (done) {
            return FilterStatus.STOP_ITERATION;
        }
        requestTrailers = trailers;
        if (shadows != null) {
            MirrorCopies.trailers(shadows, trailers);
            shadows = null;
        }
        onDownstreamEnd();
        flushCurrent();
        Tunnel.completeIfBothEnded(this);
        return FilterStatus.STOP_ITERATION;
    }

    private void onDownstreamEnd() {
        if (downstreamEnded) {
            return;
        }
        downstreamEnded = true;
        downstreamEndNanos = System.nanoTime();
        if (globalTimeoutMillis > 0 && !done && (tunnel == null || !tunnel.established)) {
            WorkerTimer.of(cb.eventLoop()).armMillis(this, globalTimeoutMillis);
        }
        UpstreamRequest a = current;
        if (a != null && a.stream != null) {
            TryTimers.startPerTry(a);
        }
    }

    // ------------------------------------------------------------------ attempts

    /** Writes what the current attempt has not seen yet; drops chunks nobody will need again. */
    void flushCurrent() {
        UpstreamRequest a = current;
        if (a != null && a.writable()) {
            a.flush();
        }
        if (!retainBody && !body.isEmpty()) {
            if (a != null && a.stream != null && a.written == body.count()) {
                body.release();
            } else if (body.held() > cb.bufferLimit() && !decodingPaused && !done) {
                // No upstream stream yet and the request keeps coming: hold the downstream.
                decodingPaused = true;
                cb.pauseDecoding();
            }
        }
    }

    /** The request body this router still holds (for a retry, an internal redirect, or an upstream not yet ready). */
    @Override
    public long bufferedBytes() {
        // As Envoy's shadows charge the stream's buffer account: what a copy holds until it connects is the stream's.
        return shadows == null ? body.held() : body.held() + MirrorCopies.pendingBytes(shadows);
    }

    boolean replayable() {
        return retainBody && body.whole();
    }

    static boolean isGrpc(Http2Headers headers) {
        CharSequence ct = headers == null ? null : headers.get(CONTENT_TYPE);
        return ct != null && AsciiString.regionMatches(ct, true, 0, APPLICATION_GRPC, 0, APPLICATION_GRPC.length());
    }

    /** The route's response header mutations, on upstream responses and direct responses and redirects. */
    void mutateResponseHeaders(Http2Headers headers) {
        if (route != null) {
            route.mutateResponseHeaders(headers, info.upstreamCluster, cb.formatterContext());
        }
    }

    /** The stream is over for the router: release everything it holds. Idempotent. */
    void finish() {
        if (done) {
            return;
        }
        done = true;
        cancel();
        if (retryGate != null) {
            retryGate.cancelBackoff();
            Hedging.abandonAll(retryGate);
        }
        if (current != null && !current.finished) {
            current.abandon();
        }
        current = null;
        if (shadows != null) {
            // As Envoy's onDestroy: copies still taking the request go with it.
            MirrorCopies.cancelAll(shadows);
            shadows = null;
        }
        if (cluster != null && retryGate != null) {
            retryGate.release(cluster);
        }
        retainBody = false;
        body.release();
        if (decodingPaused) {
            decodingPaused = false;
            cb.resumeDecoding();
        }
    }

    /** Made at the first retry decision: most streams never need one. */
    RetryGate retryGate() {
        if (retryGate == null) {
            retryGate = new RetryGate(action.highPriority());
        }
        return retryGate;
    }

    @Override
    public void onDestroy() {
        finish();
    }

    // ------------------------------------------------------------------ flow control

    @Override
    public void onAboveWriteBufferHighWatermark() {
        downstreamBlocked = true;
        UpstreamRequest a = current;
        if (a != null && a.stream != null) {
            stats.upstreamFlowControlPausedReadingTotal.increment();
            a.stream.readEnabled(false);
        }
    }

    @Override
    public void onBelowWriteBufferLowWatermark() {
        downstreamBlocked = false;
        UpstreamRequest a = current;
        if (a != null && a.stream != null) {
            stats.upstreamFlowControlResumedReadingTotal.increment();
            a.stream.readEnabled(true);
        }
    }

    void upstreamWritable(boolean writable) {
        if (!writable && !decodingPaused) {
            decodingPaused = true;
            stats.upstreamFlowControlBackedUpTotal.increment();
            cb.pauseDecoding();
        } else if (writable && decodingPaused) {
            decodingPaused = false;
            stats.upstreamFlowControlDrainedTotal.increment();
            cb.resumeDecoding();
        }
    }
}
