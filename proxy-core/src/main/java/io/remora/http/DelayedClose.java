package io.remora.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.ScheduledFuture;
import io.micrometer.core.instrument.Counter;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Closing a downstream HTTP/1.1 connection once its last response is flushed, as Envoy's delayed
 * close does (the connection manager's {@code delayed_close_timeout}, 1 s by default; zero closes
 * as soon as the write completes).
 *
 * <p>Why not close at once: a client may still be sending (the rest of a request refused with 431
 * or 413, a body nobody read, pipelined requests behind a {@code connection: close}). Closing a
 * socket with unread bytes makes the kernel send a reset instead of a FIN, and a reset can arrive
 * before the client has read the response, which it then loses. So the connection sends its FIN
 * at once (a client reading to the end sees it without waiting), reads and drops whatever still
 * comes, and closes when the client closes or after the delay. Behind TLS the FIN follows the
 * close_notify alert, so the client sees a TLS stream that ended, not one that was cut.
 */
final class DelayedClose implements ChannelFutureListener {

    private final long delayMs;
    private final Counter timeouts;

    private DelayedClose(long delayMs, Counter timeouts) {
        this.delayMs = delayMs;
        this.timeouts = timeouts;
    }

    /**
     * What to run when the last write of a connection closing with {@code delay} completes; made
     * once per connection manager. {@code timeouts} counts the closes the delay ended.
     */
    static ChannelFutureListener after(Duration delay, Counter timeouts) {
        long ms = delay.toMillis();
        if (ms <= 0) {
            return ChannelFutureListener.CLOSE;
        }
        return new DelayedClose(ms, timeouts);
    }

    @Override
    public void operationComplete(ChannelFuture written) {
        Channel ch = written.channel();
        if (!written.isSuccess() || !ch.isActive() || !(ch instanceof DuplexChannel d) || d.isInputShutdown()) {
            ch.close();
            return;
        }
        SslHandler tls = ch.pipeline().get(SslHandler.class);
        if (tls == null) {
            halfClose(d);
        } else {
            tls.closeOutbound().addListener((ChannelFuture alert) -> {
                if (alert.isSuccess() && ch.isActive()) {
                    halfClose(d);
                } else {
                    ch.close();
                }
            });
        }
    }

    private void halfClose(DuplexChannel d) {
        d.shutdownOutput();
        // Reads go on, dropped by the connection's handler, until the client's FIN closes the channel.
        d.config().setAutoRead(true);
        ScheduledFuture<?> timer = d.eventLoop().schedule(() -> {
            timeouts.increment();
            d.close();
        }, delayMs, TimeUnit.MILLISECONDS);
        // Most clients close first: the timer must not keep the closed channel for the whole delay.
        d.closeFuture().addListener(closed -> timer.cancel(false));
    }
}
