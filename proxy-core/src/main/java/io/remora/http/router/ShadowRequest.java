package io.remora.http.router;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.concurrent.ScheduledFuture;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.upstream.Cancellable;
import io.remora.http.upstream.ResetReason;
import io.remora.http.upstream.UpstreamCallbacks;
import io.remora.http.upstream.UpstreamStream;
import io.remora.upstream.Cluster;
import io.remora.upstream.Host;

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
    final Cluster cluster;
    private final Host host;
    private final EventLoop loop;
    private final long timeoutMillis;
    private final int bufferLimit;
    private final Http2Headers headers;
    /** The downstream it pushes back on while the request arrives; null once detached. */
    private DecoderFilterCallbacks cb;
    /** Body held until the stream is ready; null once written (or before the first chunk). */
    private ArrayList<ByteBuf> pending;
    long pendingBytes;
    private Http2Headers trailers;
    /** The request's end reached this copy (headers-only, last chunk or trailers). */
    private boolean ended;
    private boolean pausedByPending;
    private boolean pausedByStream;
    Cancellable poolRequest;
    UpstreamStream stream;
    private ScheduledFuture<?> timer;
    boolean over;
    /** The copy's response headers came. */
    private boolean answered;
    /** A gRPC copy's answer: the host's result waits for its grpc-status. */
    private boolean grpcResultDeferred;

    ShadowRequest(Cluster cluster, Host host, DecoderFilterCallbacks cb, Http2Headers headers, long timeoutMillis,
                          int bufferLimit) {
        this.cluster = cluster;
        this.host = host;
        this.loop = cb.eventLoop();
        this.cb = cb;
        this.headers = headers;
        this.timeoutMillis = timeoutMillis;
        this.bufferLimit = bufferLimit;
    }

    void data(ByteBuf b, boolean endStream) {
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

    void trailers(Http2Headers t) {
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
    void requestEnded() {
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
        } else if (grpcResultDeferred && !over) {
            grpcResultDeferred = false;
            host.stats.rqError.increment();
        }
        abandon();
    }

    void abandon() {
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
    }

    @Override
    public void onPoolReady(UpstreamStream s) {
        poolRequest = null;
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

    /**
     * The shadow's router counts its host's rq_success and rq_error as the router does for its
     * tries ({@link HostResults}, dynamic stats on); Envoy's pools count none.
     */
    @Override
    public boolean poolCountsHostResults() {
        return false;
    }

    /** The pool's max_requests overflow names the connection's host, which the shadow's router charges. */
    @Override
    public void onAttachOverflow() {
        host.stats.rqError.increment();
        onPoolFailure(ResetReason.OVERFLOW, null);
    }

    @Override
    public void onPoolFailure(ResetReason reason, String transportFailureReason) {
        poolRequest = null;
        // As the shadow's router: a failure before any response is charged as its local reply's code.
        cluster.stats().response(reason == ResetReason.PROTOCOL_ERROR ? 502 : 503);
        if (reason != ResetReason.OVERFLOW) {
            // A connect failure names its host (chargeUpstreamAbort); a pending request's overflow none.
            host.stats.rqError.increment();
        }
        end();
    }

    @Override
    public void onResponseHeaders(Http2Headers h, boolean endStream) {
        answered = true;
        int status = io.remora.http.upstream.HeaderConversion.parseStatus(h.status());
        cluster.stats().response(status);
        if (status >= 500 && status < 600) {
            host.stats.rqError.increment();
        } else if (!RouterFilter.isGrpc(headers)) {
            host.stats.rqSuccess.increment();
        } else if (endStream) {
            HostResults.grpcResult(host, h);
        } else {
            grpcResultDeferred = true;
        }
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
        if (grpcResultDeferred && !over) {
            grpcResultDeferred = false;
            HostResults.grpcResult(host, t);
        }
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
            host.stats.rqError.increment();
        } else if (grpcResultDeferred) {
            // Once answering, only a gRPC result still awaited is an error (chargeUpstreamAbort).
            grpcResultDeferred = false;
            host.stats.rqError.increment();
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
