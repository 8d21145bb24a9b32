package io.remora.listener;

import io.micrometer.core.instrument.Counter;
import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import io.remora.config.OverloadManagerConfig.TimerType;
import io.remora.overload.OverloadManager;
import io.remora.overload.WorkerOverload;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A filter chain's {@code transport_socket_connect_timeout}, as Envoy's server connections have
 * it: from the moment the chain takes an accepted connection until its transport socket reports
 * connected (the TLS handshake finished). On expiry the connection is closed at once and counted
 * in {@code listener.<addr>.downstream_cx_transport_socket_connect_timeout}. Under
 * {@code reduce_timeouts} (TRANSPORT_SOCKET_CONNECT) the timeout shrinks with the action's
 * strength, and a handshake already running is judged by the shortened timeout at once, as
 * Envoy's scaled timers are. Confined to the connection's event loop.
 */
final class TransportConnectTimeout extends WorkerOverload.Tracked {

    private static final java.util.logging.Logger LOG = io.remora.log.Logging.logger("connection");

    private final Channel channel;
    private final long configuredNanos;
    private final long startNanos = System.nanoTime();
    private final OverloadManager overload;
    private final WorkerOverload worker;
    private final Counter timeouts;
    private ScheduledFuture<?> timer;
    private boolean done;

    private TransportConnectTimeout(Channel channel, long configuredNanos, OverloadManager overload, Counter timeouts) {
        this.channel = channel;
        this.configuredNanos = configuredNanos;
        this.overload = overload;
        this.worker = overload.worker(channel.eventLoop());
        this.timeouts = timeouts;
    }

    /** Whether a chain with this timeout times its handshakes itself (else the TLS handler's default applies). */
    static boolean configured(Duration timeout) {
        return timeout != null && timeout.toNanos() > 0;
    }

    /**
     * Starts timing the handshake of {@code tls} on a just-dispatched connection (on its event loop).
     * Nothing happens for a chain without the timeout.
     */
    static void start(Channel channel, SslHandler tls, Duration timeout, OverloadManager overload, Counter timeouts) {
        if (!configured(timeout) || tls == null || tls.handshakeFuture().isDone()) {
            return;
        }
        TransportConnectTimeout t = new TransportConnectTimeout(channel, timeout.toNanos(), overload, timeouts);
        t.worker.addConnection(t);
        t.check();
        tls.handshakeFuture().addListener(f -> t.stop());
        channel.closeFuture().addListener(f -> t.stop());
    }

    private long timeoutNanos() {
        return overload.scaledTimeoutNanos(TimerType.TRANSPORT_SOCKET_CONNECT, configuredNanos);
    }

    // Re-armed for what is left of the (possibly scaled) timeout, or fired when none is left.
    private void check() {
        timer = null;
        if (done) {
            return;
        }
        long left = timeoutNanos() - (System.nanoTime() - startNanos);
        if (left > 0) {
            timer = channel.eventLoop().schedule(this::check, left, TimeUnit.NANOSECONDS);
            return;
        }
        stop();
        timeouts.increment();
        if (LOG.isLoggable(java.util.logging.Level.FINE)) {
            LOG.fine("[" + channel.id().asShortText() + "] closing connection from " + channel.remoteAddress()
                    + ": transport socket connect timeout");
        }
        channel.close();
    }

    private void stop() {
        if (!done) {
            done = true;
            worker.removeConnection(this);
            if (timer != null) {
                timer.cancel(false);
                timer = null;
            }
        }
    }

    @Override
    protected void onTimerScaleChanged() {
        if (!done) {
            if (timer != null) {
                timer.cancel(false);
            }
            check();
        }
    }
}
