package io.remora.http;

import io.remora.accesslog.ResponseFlag;
import io.remora.config.OverloadManagerConfig.TimerType;
import io.remora.util.WorkerTimer;

/**
 * A downstream stream's timeouts, as Envoy's ActiveStream runs them: stream_idle_timeout (the
 * route's idle_timeout replaces it; reduce_timeouts scales it under pressure), watched by the
 * connection's one stream-idle timer, request_timeout and max_stream_duration on the worker's timer. Static over the
 * stream's own fields, so a request pays for no object here.
 */
final class StreamTimeouts {

    private StreamTimeouts() {
    }

    /** The timers a stream has only when configured: one field in every stream instead of three. */
    static final class Timers {
        WorkerTimer.Timeout request;
        WorkerTimer.Timeout duration;
        /** {@link StreamAccessLogs}'s periodic entry. */
        WorkerTimer.Timeout accessLogFlush;
    }

    static Timers timers(ActiveStream s) {
        if (s.timers == null) {
            s.timers = new Timers();
        }
        return s.timers;
    }

    /** A head that took less than this is taken as read at once (below the timer's own precision). */
    private static final long HEAD_AT_ONCE_NANOS = 1_000_000;

    static void startRequestTimer(ActiveStream s) {
        long nanos = s.hcm.requestTimeoutNanos;
        if (nanos > 0) {
            // Armed once per stream, as Envoy's ActiveStream does: the time a slow head took is
            // spent. A head read at once arms the whole timeout, the worker timer's shared queue.
            long spent = System.nanoTime() - s.startNanos;
            WorkerTimer.Timeout t = new WorkerTimer.Timeout(() -> onRequestTimeout(s));
            timers(s).request = t;
            WorkerTimer.of(s.cx.channel.eventLoop()).arm(t, spent < HEAD_AT_ONCE_NANOS ? nanos : Math.max(1, nanos - spent));
        }
    }

    static void cancelRequestTimer(ActiveStream s) {
        WorkerTimer.Timeout t = s.timers == null ? null : s.timers.request;
        if (t != null) {
            t.cancel();
            s.timers.request = null;
        }
    }

    /**
     * Envoy's refreshDurationTimeout, once the route is known: a gRPC request's grpc-timeout when
     * the route has grpc_timeout_header_max (capped by it, less grpc_timeout_header_offset), else
     * the route's max_stream_duration, else the connection manager's, counted from the stream's
     * start. A route with max_stream_duration tells a gRPC upstream that timeout in grpc-timeout.
     */
    static void startDurationTimer(ActiveStream s, io.remora.route.RouteEntry route) {
        if (s.timers != null && s.timers.duration != null) {
            return;
        }
        io.remora.config.ForwardAction.StreamDuration sd =
                route != null && route.route().action() instanceof io.remora.config.ForwardAction f
                        ? f.maxStreamDuration() : null;
        long millis;
        long header = sd == null || sd.grpcHeaderMax() == null || s.requestHeaders == null ? -1
                : GrpcTimeoutHeader.millis(s.requestHeaders.get(GrpcTimeoutHeader.NAME));
        if (header < 0) {
            java.time.Duration d = sd != null && sd.max() != null ? sd.max() : s.hcm.config.maxStreamDuration();
            if (d == null || d.isZero()) {
                return;
            }
            millis = d.toMillis();
        } else {
            long cap = sd.grpcHeaderMax().toMillis();
            millis = cap != 0 && header > cap ? cap : header;
            long offset = sd.grpcHeaderOffset().toMillis();
            if (millis != 0 && offset != 0) {
                millis = offset < millis ? millis - offset : 0;
            }
        }
        if (sd != null && s.requestHeaders != null && isGrpc(s.requestHeaders)) {
            // Before the time already used is taken off, as Envoy: the upstream sees the route's timeout.
            s.requestHeaders.set(GrpcTimeoutHeader.NAME, GrpcTimeoutHeader.value(millis));
        }
        long left = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(millis) - (System.nanoTime() - s.startNanos);
        WorkerTimer.Timeout t = new WorkerTimer.Timeout(() -> onMaxDuration(s));
        timers(s).duration = t;
        WorkerTimer.of(s.cx.channel.eventLoop()).arm(t, Math.max(1, left));
    }

    private static final io.netty.util.AsciiString CONTENT_TYPE = io.netty.util.AsciiString.cached("content-type");
    private static final io.netty.util.AsciiString APPLICATION_GRPC = io.netty.util.AsciiString.cached("application/grpc");

    private static boolean isGrpc(io.netty.handler.codec.http2.Http2Headers h) {
        CharSequence ct = h.get(CONTENT_TYPE);
        return ct != null && io.netty.util.AsciiString.regionMatches(ct, true, 0, APPLICATION_GRPC, 0,
                APPLICATION_GRPC.length());
    }

    static void cancelDurationTimer(ActiveStream s) {
        WorkerTimer.Timeout t = s.timers == null ? null : s.timers.duration;
        if (t != null) {
            t.cancel();
            s.timers.duration = null;
        }
    }

    /** 408 while the request is still arriving, else 504 (gRPC: DEADLINE_EXCEEDED); a reset once answering. */
    private static void onMaxDuration(ActiveStream s) {
        if (s.ended()) {
            return;
        }
        s.hcm.stats.downstreamRqMaxDurationReached.increment();
        if (s.responseStarted()) {
            s.info.responseCodeDetails = "max_duration_timeout";
            s.resetStream();
        } else {
            s.sendLocalReply(s.remoteComplete() ? 504 : 408, "downstream duration timeout", null,
                    "max_duration_timeout", null, 4);
        }
    }

    // The connection's one stream-idle timer watches this stream: no timer scheduled per request.
    static void armIdleTimer(ActiveStream s) {
        if (s.idleTimeoutNanos > 0 && !s.ended()) {
            s.cx.watchStreamIdle(s, s.lastActivityNanos + scaledIdleTimeout(s));
        }
    }

    /** The stream idle timeout now: reduce_timeouts (HTTP_DOWNSTREAM_STREAM_IDLE) shortens it under pressure. */
    private static long scaledIdleTimeout(ActiveStream s) {
        return s.hcm.overload.scaledTimeoutNanos(TimerType.HTTP_DOWNSTREAM_STREAM_IDLE, s.idleTimeoutNanos);
    }

    /**
     * Times the stream out if it has been idle for its timeout, and returns when it next needs a
     * look ({@code Long.MAX_VALUE}: never).
     */
    static long checkIdle(ActiveStream s, long now) {
        if (s.ended() || s.idleTimeoutNanos <= 0) {
            return Long.MAX_VALUE;
        }
        long idle = now - s.lastActivityNanos;
        long timeout = scaledIdleTimeout(s);
        if (idle < timeout) {
            return now + (timeout - idle);
        }
        s.hcm.stats.downstreamRqIdleTimeout.increment();
        s.info.setFlag(ResponseFlag.STREAM_IDLE_TIMEOUT);
        if (s.responseStarted()) {
            s.info.responseCodeDetails = "stream_idle_timeout";
            s.resetStream();
        } else {
            // Envoy's onIdleTimeout (maybeRequestTimeoutCode): 408 while the request arrives, 504 once it is whole.
            s.sendLocalReply(s.remoteComplete() ? 504 : 408, "stream timeout", ResponseFlag.STREAM_IDLE_TIMEOUT,
                    "stream_idle_timeout");
        }
        return Long.MAX_VALUE;
    }

    /**
     * A request whose head did not end in time, its stream begun at the head's first byte:
     * Envoy's onRequestHeaderTimeout, onRequestTimeout or onIdleTimeout, each a 408 (counted by
     * the caller). {@code which}: the header guards' STREAM_IDLE, REQUEST_HEADERS or REQUEST.
     */
    static void headerPhaseReply(ActiveStream s, int which) {
        if (which == Http1HeaderGuard.REQUEST_HEADERS) {
            s.sendLocalReply(408, "request header timeout", null, "request_header_timeout");
        } else if (which == Http1HeaderGuard.REQUEST) {
            s.sendLocalReply(408, "request timeout", null, "request_overall_timeout");
        } else {
            s.sendLocalReply(408, "stream timeout", ResponseFlag.STREAM_IDLE_TIMEOUT, "stream_idle_timeout");
        }
    }

    private static void onRequestTimeout(ActiveStream s) {
        if (s.ended() || s.remoteComplete()) {
            return;
        }
        s.hcm.stats.downstreamRqTimeout.increment();
        if (s.responseStarted()) {
            s.info.responseCodeDetails = "request_overall_timeout";
            s.resetStream();
        } else {
            s.sendLocalReply(408, "request timeout", null, "request_overall_timeout");
        }
    }
}
