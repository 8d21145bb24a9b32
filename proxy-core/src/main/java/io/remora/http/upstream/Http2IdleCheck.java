package io.remora.http.upstream;

import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * An HTTP/2 upstream connection's idle_timeout. The timer is not cancelled when a stream comes (a
 * busy connection goes idle and busy again per request); when it runs it looks at how long the
 * connection has really been idle and waits out the rest. Itself the task, so a reschedule
 * allocates no method reference.
 */
final class Http2IdleCheck implements Runnable {
    private final Http2UpstreamConnection conn;
    private final Http2ConnectionPool pool;
    private ScheduledFuture<?> timer;
    private long idleSinceNanos;

    Http2IdleCheck(Http2UpstreamConnection conn, Http2ConnectionPool pool) {
        this.conn = conn;
        this.pool = pool;
    }

    /** The connection has no stream: it closes after idle_timeout without one. */
    void park() {
        long ms = pool.ctx.idleTimeoutMillis();
        if (ms <= 0 || !conn.channel.isActive()) {
            return;
        }
        idleSinceNanos = System.nanoTime();
        if (timer == null) {
            schedule(TimeUnit.MILLISECONDS.toNanos(ms));
        }
    }

    private void schedule(long delayNanos) {
        timer = conn.channel.eventLoop().schedule(this, delayNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void run() {
        timer = null;
        if (conn.activeStreams > 0 || !conn.channel.isActive()) {
            return; // busy: the next park schedules again
        }
        long left = TimeUnit.MILLISECONDS.toNanos(pool.ctx.idleTimeoutMillis()) - (System.nanoTime() - idleSinceNanos);
        if (left > 0) {
            schedule(left);
        } else {
            pool.idleTimedOut(conn);
        }
    }

    void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
