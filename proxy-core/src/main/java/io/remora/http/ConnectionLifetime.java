package io.remora.http;

import io.remora.config.OverloadManagerConfig.TimerType;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * How long one downstream connection may live, as Envoy's connection manager bounds it:
 * {@code max_connection_duration} (from accept; scaled by {@code reduce_timeouts}
 * HTTP_DOWNSTREAM_CONNECTION_MAX) and {@code max_requests_per_connection}. Reaching either drains
 * the connection: HTTP/1.1 answers its current request with {@code connection: close} and closes
 * after it (at once when idle), HTTP/2 sends GOAWAY and closes after drain_timeout and its last
 * stream; a connection whose protocol is not known yet is closed. Confined to the connection's
 * event loop; none exists for a connection manager with neither limit.
 */
final class ConnectionLifetime {

    private static final java.util.logging.Logger LOG = io.remora.log.Logging.logger("http");

    private final ConnectionContext cx;
    private final long maxDurationNanos;
    private final int maxRequests;
    private final long startNanos = System.nanoTime();
    private ScheduledFuture<?> timer;
    private int requests;
    private boolean done;

    private ConnectionLifetime(ConnectionContext cx, long maxDurationNanos, int maxRequests) {
        this.cx = cx;
        this.maxDurationNanos = maxDurationNanos;
        this.maxRequests = maxRequests;
    }

    /** The lifetime of a just-accepted connection, its duration timer running; null when unbounded. */
    static ConnectionLifetime start(ConnectionContext cx) {
        HttpConnectionManager hcm = cx.hcm;
        if (hcm.maxConnectionDurationNanos <= 0 && hcm.maxRequestsPerConnection <= 0) {
            return null;
        }
        ConnectionLifetime l = new ConnectionLifetime(cx, hcm.maxConnectionDurationNanos, hcm.maxRequestsPerConnection);
        l.checkDuration();
        return l;
    }

    /**
     * A new request on the connection: the one that reaches max_requests_per_connection is its
     * last. As in Envoy, every request at or past the limit counts (HTTP/2 streams the client
     * opened before it saw the GOAWAY).
     */
    void onStream() {
        if (maxRequests <= 0 || ++requests < maxRequests) {
            return;
        }
        cx.hcm.stats.downstreamCxMaxRequestsReached.increment();
        if (LOG.isLoggable(java.util.logging.Level.FINE)) {
            LOG.fine("[" + cx.channel.id().asShortText() + "] max requests per connection reached");
        }
        if (cx.draining) {
            return;
        }
        if (cx.codec instanceof Http2Connection) {
            // Out of the stream's own setup: the GOAWAY leaves once the HEADERS have been read.
            cx.channel.eventLoop().execute(cx::drain);
        } else {
            // HTTP/1.1: this request's response says connection: close, and the connection closes after it.
            cx.drain();
        }
    }

    private long durationNanos() {
        return cx.hcm.overload.scaledTimeoutNanos(TimerType.HTTP_DOWNSTREAM_CONNECTION_MAX, maxDurationNanos);
    }

    // Re-armed for what is left of the (possibly scaled) duration, or reached when none is left.
    private void checkDuration() {
        timer = null;
        if (done || maxDurationNanos <= 0) {
            return;
        }
        long left = durationNanos() - (System.nanoTime() - startNanos);
        if (left > 0) {
            timer = cx.channel.eventLoop().schedule(this::checkDuration, left, TimeUnit.NANOSECONDS);
            return;
        }
        done = true;
        cx.hcm.stats.downstreamCxMaxDurationReached.increment();
        if (LOG.isLoggable(java.util.logging.Level.FINE)) {
            LOG.fine("[" + cx.channel.id().asShortText() + "] max connection duration reached");
        }
        if (cx.closed || cx.draining) {
            return;
        }
        cx.drain();
        // http1_safe_max_connection_duration: an idle HTTP/1.1 connection waits for its next request,
        // whose response says connection: close (RFC 9112 9.6), rather than racing the client's.
        if (cx.codec instanceof Http1Connection && !cx.headerPhase && !cx.hcm.config.http1SafeMaxConnectionDuration()) {
            cx.codec.onIdleTimeout(); // closes drain_timeout later unless a request is in progress
        }
    }

    /** reduce_timeouts changed strength: the duration is judged again with the new scale. */
    void onTimerScaleChanged() {
        if (!done && timer != null) {
            timer.cancel(false);
            checkDuration();
        }
    }

    void onClosed() {
        done = true;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
