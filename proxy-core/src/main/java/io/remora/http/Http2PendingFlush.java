package io.remora.http;

import io.netty.handler.codec.http2.Http2Stream;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Envoy's pending flush timer for a downstream HTTP/2 stream (MultiplexedStreamImplBase's
 * createPendingFlushTimer, set by the connection manager to the stream idle timeout): a response
 * that ended while its DATA still waits for the peer's flow-control window must be flushed within
 * that time, counted from the end. If the window stays closed the stream is reset and counted in
 * {@code http2.tx_flush_timeout} (StreamImpl::onPendingFlushTimer); nothing else hears of it, as
 * the stream's response is over. A stream idle timeout of 0 arms nothing, as in Envoy.
 */
final class Http2PendingFlush implements Runnable {
    private final Http2Connection conn;
    private final Http2Stream stream;
    private final Runnable reset;
    private final ScheduledFuture<?> timer;

    private Http2PendingFlush(Http2Connection conn, Http2Stream stream, Runnable reset, long nanos) {
        this.conn = conn;
        this.stream = stream;
        this.reset = reset;
        this.timer = conn.ctx.executor().schedule(this, nanos, TimeUnit.NANOSECONDS);
    }

    /** After the response's end was written: a timer when some of it waits for the window, else null. */
    static Http2PendingFlush armIfPending(Http2Connection conn, Http2Stream stream, Runnable reset) {
        long nanos = conn.cx.hcm.streamIdleTimeoutNanos;
        if (nanos <= 0 || conn.ctx == null || !conn.parts.flow().hasFlowControlled(stream)) {
            return null;
        }
        return new Http2PendingFlush(conn, stream, reset, nanos);
    }

    /** The stream closed (its end flushed, or a reset): the timer has nothing left to do. */
    void cancel() {
        timer.cancel(false);
    }

    @Override
    public void run() {
        if (stream.state() == Http2Stream.State.CLOSED || !conn.parts.flow().hasFlowControlled(stream)) {
            return;
        }
        conn.cx.hcm.stats.http2TxFlushTimeout.increment();
        reset.run();
    }
}
