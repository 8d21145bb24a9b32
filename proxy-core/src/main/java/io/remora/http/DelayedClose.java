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
 * Closing a downstream HTTP/1.1 connection once its last response is flushed (an HTTP/2 one once
 * a connection error's GOAWAY is: Envoy's handleCodecError), as Envoy's delayed
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
    /** Where the close starts: null for the channel's whole pipeline. */
    private final io.netty.channel.ChannelHandlerContext below;

    private DelayedClose(long delayMs, Counter timeouts, io.netty.channel.ChannelHandlerContext below) {
        this.delayMs = delayMs;
        this.timeouts = timeouts;
        this.below = below;
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
        return new DelayedClose(ms, timeouts, null);
    }

    /**
     * The same, its closes starting below {@code ctx}'s handler: the HTTP/2 handler's own close
     * would wait for streams a connection error already ended.
     */
    static ChannelFutureListener below(io.netty.channel.ChannelHandlerContext ctx, Duration delay, Counter timeouts) {
        long ms = delay.toMillis();
        if (ms <= 0) {
            return written -> ctx.close();
        }
        return new DelayedClose(ms, timeouts, ctx);
    }

    private void close(Channel ch) {
        if (below != null) {
            below.close();
        } else {
            ch.close();
        }
    }

    @Override
    public void operationComplete(ChannelFuture written) {
        Channel ch = written.channel();
        if (!written.isSuccess() || !ch.isActive() || !(ch instanceof DuplexChannel d) || d.isInputShutdown()) {
            close(ch);
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
                    close(ch);
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
            close(d);
        }, delayMs, TimeUnit.MILLISECONDS);
        // Most clients close first: the timer must not keep the closed channel for the whole delay.
        d.closeFuture().addListener(closed -> timer.cancel(false));
    }
}
