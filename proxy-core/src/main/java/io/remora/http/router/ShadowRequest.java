package io.remora.http.router;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.concurrent.ScheduledFuture;
import io.remora.config.ClusterConfig.UpstreamProtocol;
import io.remora.http.HeaderBlock;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.upstream.Cancellable;
import io.remora.http.upstream.ConnectionPools;
import io.remora.http.upstream.ResetReason;
import io.remora.http.upstream.UpstreamCallbacks;
import io.remora.http.upstream.UpstreamStream;
import io.remora.upstream.Cluster;
import io.remora.upstream.Host;
import io.remora.upstream.LoadBalancerContext;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A request_mirror_policies copy, streamed as Envoy's (streaming_shadow): it starts when the
 * request's headers go to the first try (host "-shadow"-suffixed) and takes each chunk of body and
 * the trailers as they pass the router; the response is discarded. It holds only what arrives
 * before its own stream is ready. While the request is still arriving the copy is attached to the
 * downstream stream and pushes back on it as Envoy's shadow does through its watermark callbacks
 * (its pending data over the retry/shadow buffer limit, or its upstream not writable); it lets go
 * when the request has ended, when it ends, or when the router is destroyed (which cancels it).
 * Once the request has ended the copy lives on alone until its response or its timeout.
 */
final class ShadowRequest implements UpstreamCallbacks {
    private final Cluster cluster;
    private final Host host;
    private final EventLoop loop;
    private final long timeoutMillis;
    private final int bufferLimit;
    private final Http2Headers headers;
    /** The downstream it pushes back on while the request arrives; null once detached. */
    private DecoderFilterCallbacks cb;
    /** Body held until the stream is ready; null once written (or before the first chunk). */
    private ArrayList<ByteBuf> pending;
    private long pendingBytes;
    private Http2Headers trailers;
    /** The request's end reached this copy (headers-only, last chunk or trailers). */
    private boolean ended;
    private boolean pausedByPending;
    private boolean pausedByStream;
    private Cancellable poolRequest;
    private UpstreamStream stream;
    private ScheduledFuture<?> timer;
    private boolean over;
    /** The copy's response headers came. */
    private boolean answered;

    private ShadowRequest(Cluster cluster, Host host, DecoderFilterCallbacks cb, Http2Headers headers, long timeoutMillis,
                          int bufferLimit) {
        this.cluster = cluster;
        this.host = host;
        this.loop = cb.eventLoop();
        this.cb = cb;
        this.headers = headers;
        this.timeoutMillis = timeoutMillis;
        this.bufferLimit = bufferLimit;
    }

    /**
     * trace_sampled: Envoy gives the shadow a child span with this decision. Remora's shadow has no
     * span of its own, so the copy carries the request's span with the decision replaced. Untraced
     * requests (no tracing) are left alone, as Envoy's null span.
     */
    private static void traceDecision(DecoderFilterCallbacks cb, Http2Headers h, boolean sampled) {
        if (cb.streamInfo() == null || cb.streamInfo().traceId() == null) {
            return;
        }
        io.remora.tracing.TraceContext.overrideSampled(h, sampled);
    }

    /**
     * Starts a copy of the request to each mirror, its headers as the router sent them; the copies
     * still waiting for body (null when none): the router passes them the rest of the request.
     */
    static List<ShadowRequest> startAll(RouterFilter r, List<MirrorSampling.Mirror> mirrors, boolean endStream) {
        List<ShadowRequest> open = null;
        for (MirrorSampling.Mirror m : mirrors) {
            ShadowRequest s = start(r.cb, m, r.requestHeaders, endStream, r.globalTimeoutMillis, r.retainLimit(),
                    Attempts.protocolOf(m.cluster(), r.cb.downstreamProtocol()));
            if (s != null && !endStream && !s.over) {
                if (open == null) {
                    open = new ArrayList<>(mirrors.size());
                }
                open.add(s);
            }
        }
        return open;
    }

    private static ShadowRequest start(DecoderFilterCallbacks cb, MirrorSampling.Mirror m, Http2Headers request, boolean endStream,
                                       long timeoutMillis, int bufferLimit, UpstreamProtocol protocol) {
        Cluster mirror = m.cluster();
        Cluster cluster = mirror.pickCluster(LoadBalancerContext.NONE);
        Host host = cluster == null ? null : cluster.chooseHost(LoadBalancerContext.NONE);
        if (host == null) {
            // Envoy's shadow runs a router of its own, which finds no healthy host: only the copy is lost.
            mirror.stats().upstreamCxNoneHealthy.increment();
            // Its sendNoHealthyUpstreamResponse charges the 503 (an async client's router keeps dynamic stats).
            mirror.stats().response(503);
            return null;
        }
        Http2Headers h = HeaderBlock.of(request).copy(0);
        CharSequence authority = h.authority();
        if (authority != null && m.hostSuffix()) {
            h.authority(shadowHost(authority.toString()));
        }
        if (m.traceSampled() != null) {
            traceDecision(cb, h, m.traceSampled());
        }
        // A buffer limit of at least one byte: as Envoy's, a body the shadow holds always pushes back.
        ShadowRequest s = new ShadowRequest(cluster, host, cb, h, timeoutMillis, Math.max(1, bufferLimit));
        cluster.stats().upstreamRqActive.incrementAndGet();
        if (endStream) {
            s.requestEnded();
        }
        io.remora.network.ConnectionInfo ci = cb.connection();
        // Envoy's shadow runs its own router: auto_sni sees the "-shadow" host.
        Cancellable c = ConnectionPools.get(cb.eventLoop(), cb.serverContext().transport(), cluster, host,
                cluster == mirror ? protocol : Attempts.protocolOf(cluster, cb.downstreamProtocol()),
                io.remora.http.upstream.PoolOptions.of(ci == null ? null : ci.originalSource(), null,
                        AutoSniNames.forCluster(cluster, h),
                        io.remora.http.upstream.PoolOptions.proxyProtocolFor(cluster, cb.filterState(), ci)))
                .newStream(s);
        if (s.stream == null && !s.over) {
            s.poolRequest = c;
        }
        return s;
    }

    /** A chunk of the request's body for each copy (the router keeps {@code data}); the last ends them. */
    static void data(List<ShadowRequest> shadows, ByteBuf data, boolean endStream) {
        for (int i = 0; i < shadows.size(); i++) {
            shadows.get(i).data(data.retainedDuplicate(), endStream);
        }
    }

    /** The request's trailers end each copy. */
    static void trailers(List<ShadowRequest> shadows, Http2Headers trailers) {
        for (int i = 0; i < shadows.size(); i++) {
            shadows.get(i).trailers(HeaderBlock.of(trailers).copy(0));
        }
    }

    /** The body the copies hold until their streams are ready. */
    static long pendingBytes(List<ShadowRequest> shadows) {
        long n = 0;
        for (int i = 0; i < shadows.size(); i++) {
            n += shadows.get(i).pendingBytes;
        }
        return n;
    }

    /** The router is destroyed before the request ended: as Envoy's, copies still taking body are cancelled. */
    static void cancelAll(List<ShadowRequest> shadows) {
        for (int i = 0; i < shadows.size(); i++) {
            ShadowRequest s = shadows.get(i);
            if (!s.over && s.stream != null) {
                s.cluster.stats().upstreamRqTxReset.increment();
            }
            s.abandon();
        }
    }

    /** Envoy appends "-shadow" to the host, before any port. */
    static String shadowHost(String authority) {
        int colon = authority.lastIndexOf(':');
        if (colon > 0 && authority.indexOf(']') < colon && authority.indexOf(':') == colon) {
            return authority.substring(0, colon) + "-shadow" + authority.substring(colon);
        }
        if (authority.startsWith("[") && authority.contains("]:")) {
            int i = authority.lastIndexOf("]:") + 1;
            return authority.substring(0, i) + "-shadow" + authority.substring(i);
        }
        return authority + "-shadow";
    }

    private void data(ByteBuf b, boolean endStream) {
        if (over) {
            b.release();
            return;
        }
        if (stream != null) {
            stream.writeData(b, endStream);
        } else {
            if (pending == null) {
                pending = new ArrayList<>(4);
            }
            pending.add(b);
            pendingBytes += b.readableBytes();
            if (pendingBytes > bufferLimit && !pausedByPending && cb != null) {
                pausedByPending = true;
                cb.pauseDecoding();
            }
        }
        if (endStream) {
            requestEnded();
        }
    }

    private void trailers(Http2Headers t) {
        if (over) {
            return;
        }
        if (stream != null) {
            stream.writeTrailers(t);
        } else {
            trailers = t;
        }
        requestEnded();
    }

    /**
     * The whole request reached the copy: it no longer pushes back on the downstream, and its timeout
     * (the route's, as Envoy's shadow is given) runs from here, as a router's does.
     */
    private void requestEnded() {
        ended = true;
        detach();
        if (timeoutMillis > 0 && !over) {
            timer = loop.schedule(this::timeout, timeoutMillis, TimeUnit.MILLISECONDS);
        }
    }

    /** Gives back the downstream read-disables this copy holds, and stops taking any. */
    private void detach() {
        DecoderFilterCallbacks c = cb;
        if (c == null) {
            return;
        }
        cb = null;
        if (pausedByPending) {
            pausedByPending = false;
            c.resumeDecoding();
        }
        if (pausedByStream) {
            pausedByStream = false;
            c.resumeDecoding();
        }
    }

    /**
     * Envoy's shadow is an async client's stream, whose router keeps dynamic stats: its
     * onResponseTimeout counts the timeout on the cluster and, once the copy has a connection, on
     * the host; a copy still awaiting its response headers is charged the 504 (chargeUpstreamAbort:
     * the code stats, the host's rq_error) and reported to outlier detection.
     */
    private void timeout() {
        timer = null;
        cluster.stats().upstreamRqTimeout.increment();
        if (stream != null) {
            host.stats.rqTimeout.increment();
        }
        if (!answered && !over) {
            cluster.stats().response(504);
            if (stream != null) {
                host.outlier().reportLocalOrigin(io.remora.upstream.OutlierMonitor.LocalOriginEvent.TIMEOUT);
                host.stats.rqError.increment();
            }
        }
        abandon();
    }

    private void abandon() {
        if (over) {
            return;
        }
        if (poolRequest != null) {
            poolRequest.cancel();
            poolRequest = null;
        }
        if (stream != null) {
            // A local reset of the copy's stream, as the router's tries count theirs.
            cluster.stats().upstreamRqTxReset.increment();
            stream.reset();
        }
        end();
    }

    private void end() {
        if (over) {
            return;
        }
        over = true;
        poolRequest = null;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        if (pending != null) {
            for (ByteBuf b : pending) {
                b.release();
            }
            pending = null;
            pendingBytes = 0;
        }
        detach();
        cluster.stats().upstreamRqActive.decrementAndGet();
    }

    @Override
    public void onPoolReady(UpstreamStream s) {
        poolRequest = null;
        // As the router's tries: counted once the pool binds the copy to a connection, or fails it otherwise than as an overflow.
        cluster.stats().upstreamRqTotal.increment();
        if (over) {
            s.reset();
            return;
        }
        stream = s;
        List<ByteBuf> body = pending;
        pending = null;
        pendingBytes = 0;
        int chunks = body == null ? 0 : body.size();
        s.writeHeaders(headers, ended && chunks == 0 && trailers == null);
        for (int i = 0; i < chunks; i++) {
            s.writeData(body.get(i), ended && trailers == null && i == chunks - 1);
        }
        if (trailers != null) {
            s.writeTrailers(trailers);
            trailers = null;
        }
        if (pausedByPending && cb != null) {
            pausedByPending = false;
            cb.resumeDecoding();
        }
        if (!s.isWritable()) {
            onWritabilityChanged(false);
        }
    }

    @Override
    public void onPoolFailure(ResetReason reason, String transportFailureReason) {
        poolRequest = null;
        if (reason != ResetReason.OVERFLOW) {
            cluster.stats().upstreamRqTotal.increment();
        }
        // As the shadow's router: a failure before any response is charged as its local reply's code.
        cluster.stats().response(reason == ResetReason.PROTOCOL_ERROR ? 502 : 503);
        end();
    }

    @Override
    public void onResponseHeaders(Http2Headers h, boolean endStream) {
        answered = true;
        cluster.stats().response(io.remora.http.upstream.HeaderConversion.parseStatus(h.status()));
        if (endStream) {
            end();
        }
    }

    @Override
    public void onResponseData(ByteBuf data, boolean endStream) {
        data.release();
        if (endStream) {
            end();
        }
    }

    @Override
    public void onResponseTrailers(Http2Headers t) {
        end();
    }

    @Override
    public void onReset(ResetReason reason) {
        if (over) {
            return;
        }
        if (reason == ResetReason.REMOTE_RESET || reason == ResetReason.REMOTE_REFUSED_STREAM_RESET) {
            cluster.stats().upstreamRqRxReset.increment();
        }
        if (!answered) {
            // The shadow's router: onUpstreamReset's chargeUpstreamAbort, before any response.
            cluster.stats().response(reason == ResetReason.PROTOCOL_ERROR ? 502 : 503);
        }
        end();
    }

    /** As Envoy's shadow stream: its upstream backing up holds the downstream while the request arrives. */
    @Override
    public void onWritabilityChanged(boolean writable) {
        DecoderFilterCallbacks c = cb;
        if (c == null || over) {
            return;
        }
        if (!writable && !pausedByStream) {
            pausedByStream = true;
            c.pauseDecoding();
        } else if (writable && pausedByStream) {
            pausedByStream = false;
            c.resumeDecoding();
        }
    }
}
