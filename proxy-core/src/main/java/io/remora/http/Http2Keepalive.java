package io.remora.http;

import io.micrometer.core.instrument.Counter;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.util.concurrent.ScheduledFuture;
import io.remora.config.Http2Options;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;

/**
 * Envoy's HTTP/2 {@code connection_keepalive} for one connection, either direction: a PING every
 * interval (plus jitter), re-armed by its ACK; the connection closed (and
 * {@code http2.keepalive_timeout} counted) when no ACK comes within the timeout. Any bytes read
 * while waiting extend the wait by a whole timeout, as Envoy extends it on any frame: a busy
 * connection whose ACK is stuck behind other frames is alive. Upstream connections also ask for a
 * PING ahead of a new stream when nothing was received for {@code connection_idle_interval}
 * ({@link #pingIfIdle}); a PING already awaiting its ACK is never doubled.
 *
 * <p>Event-loop confined. Reads cost one timestamp; the timers are two scheduled tasks at most.
 */
public final class Http2Keepalive {

    private static final java.util.logging.Logger LOG = io.remora.log.Logging.logger("http2");

    private final Http2ConnectionHandler handler;
    private final Http2Options.Keepalive config;
    private final Counter timeouts;
    /** The connection's id for the log when its channel does not hold it (an accepted one), else -1. */
    private final long connectionId;
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> intervalTimer;
    private ScheduledFuture<?> timeoutTimer;
    /** The connection is closing because no PING ACK came (Envoy's close reason http2_ping_timeout). */
    private boolean timedOut;
    private long lastReadNanos;
    private long pingSentNanos;
    private boolean stopped;

    public Http2Keepalive(Http2ConnectionHandler handler, Http2Options.Keepalive config, Counter timeouts,
                          long connectionId) {
        this.handler = handler;
        this.config = config;
        this.timeouts = timeouts;
        this.connectionId = connectionId;
    }

    /** The connection is up: the first interval starts now (Envoy arms it when the codec is made). */
    public void start(ChannelHandlerContext ctx) {
        if (this.ctx != null) {
            return;
        }
        this.ctx = ctx;
        lastReadNanos = System.nanoTime();
        scheduleInterval();
    }

    /** Bytes arrived: the connection is alive. */
    public void onRead() {
        lastReadNanos = System.nanoTime();
    }

    /** A PING ACK (ours or not, as Envoy takes any): the wait ends, the next interval starts. */
    public void onPingAck() {
        if (ctx == null || stopped) {
            return;
        }
        cancelTimeout();
        scheduleInterval();
    }

    /** Before a new upstream stream: a PING when nothing was received for connection_idle_interval. */
    public void pingIfIdle() {
        if (ctx != null && config.idleIntervalMillis() > 0
                && System.nanoTime() - lastReadNanos > TimeUnit.MILLISECONDS.toNanos(config.idleIntervalMillis())) {
            sendPing();
        }
    }

    /** The connection closed: no more timers. */
    public void stop() {
        stopped = true;
        if (intervalTimer != null) {
            intervalTimer.cancel(false);
            intervalTimer = null;
        }
        cancelTimeout();
    }

    /** Whether a PING awaits its ACK. */
    public boolean awaitingAck() {
        return timeoutTimer != null;
    }

    private void scheduleInterval() {
        if (intervalTimer != null) {
            intervalTimer.cancel(false);
            intervalTimer = null;
        }
        if (config.intervalMillis() > 0) {
            long ms = config.nextIntervalMillis(ThreadLocalRandom.current());
            intervalTimer = ctx.executor().schedule(() -> {
                intervalTimer = null;
                sendPing();
            }, ms, TimeUnit.MILLISECONDS);
        }
    }

    private void sendPing() {
        if (stopped || timeoutTimer != null || !ctx.channel().isActive()) {
            return; // one PING at a time: the outstanding one decides
        }
        pingSentNanos = System.nanoTime();
        // The payload is the time sent, as Envoy's (it helps reading a capture).
        handler.encoder().writePing(ctx, false, System.currentTimeMillis(), ctx.newPromise())
                .addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
        handler.flush(ctx);
        timeoutTimer = ctx.executor().schedule(this::checkTimeout, config.timeoutMillis(), TimeUnit.MILLISECONDS);
    }

    public boolean timedOut() {
        return timedOut;
    }

    private void checkTimeout() {
        timeoutTimer = null;
        if (stopped || !ctx.channel().isActive()) {
            return;
        }
        long timeoutNanos = TimeUnit.MILLISECONDS.toNanos(config.timeoutMillis());
        long now = System.nanoTime();
        if (lastReadNanos - pingSentNanos > 0 && now - lastReadNanos < timeoutNanos) {
            // Something arrived after the PING: wait a whole timeout from then.
            timeoutTimer = ctx.executor().schedule(this::checkTimeout, timeoutNanos - (now - lastReadNanos),
                    TimeUnit.NANOSECONDS);
            return;
        }
        timeouts.increment();
        timedOut = true;
        LOG.log(Level.FINE, () -> (connectionId >= 0 ? io.remora.log.LogTags.conn(connectionId)
                : io.remora.log.LogTags.conn(ctx.channel()))
                + "closing connection: no PING ACK within the keepalive timeout");
        stopped = true;
        // ctx.close() starts below the HTTP/2 handler: its own close() would wait (up to its graceful
        // shutdown timeout) for open streams; Envoy closes at once, and the streams are reset.
        ctx.close();
    }

    private void cancelTimeout() {
        if (timeoutTimer != null) {
            timeoutTimer.cancel(false);
            timeoutTimer = null;
        }
    }
}
