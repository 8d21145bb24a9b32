package io.remora.extensions.filters.http.common;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;

import java.util.ArrayDeque;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Paces one direction of a stream's body at {@code kbps} KiB/s, as Envoy's StreamRateLimiter (used
 * by the fault filter's response_rate_limit and the bandwidth_limit filter): the body waits here
 * and a timer on the stream's event loop hands on, every fill interval, as many bytes as the token
 * bucket has (one byte a token; the bucket holds a second's worth and starts with one interval's).
 * Trailers wait until the body has gone. Over {@code bufferLimit} buffered bytes the source is
 * asked to pause, and to resume under half of it.
 */
public final class StreamRateLimiter {

    /** Where the paced body goes, per direction. */
    public interface Sink {
        /** Hands data (ownership passes) to the filters after this one. */
        void write(ByteBuf data, boolean endStream);

        /** The body has gone and trailers were held: let them pass. */
        void resume();

        default void pauseSource() {
        }

        default void resumeSource() {
        }

        /**
         * After each timer round: bytes handed on, whether data is still waiting for tokens (the
         * limit was enforced), and the delay that added.
         */
        default void allowed(long bytes, boolean enforced, long delayMillis) {
        }
    }

    public static final long DEFAULT_FILL_INTERVAL_MILLIS = 50;

    private final long fillIntervalMillis;
    private final ByteTokenBucket bucket;
    private final long bufferLimit;
    private final EventLoop loop;
    private final Sink sink;
    private final ArrayDeque<ByteBuf> pending = new ArrayDeque<>();
    private long pendingBytes;
    private boolean sawEnd;
    private boolean sawTrailers;
    /** Trailers wait for the body here (held by the filter, or made by it): resume once it has gone. */
    private boolean trailersHeld;
    private boolean sourcePaused;
    private ScheduledFuture<?> timer;
    private boolean destroyed;

    /** @param shared the filter config's bucket, or null for one of this stream's own */
    public StreamRateLimiter(long kbps, long fillIntervalMillis, ByteTokenBucket shared, long bufferLimit,
                             EventLoop loop, Sink sink) {
        long bytesPerSecond = kbps * 1024;
        this.fillIntervalMillis = fillIntervalMillis;
        this.bucket = shared != null ? shared : new ByteTokenBucket(bytesPerSecond, bytesPerSecond);
        // Start from one interval's worth, not a whole second's at once (a shared bucket only once).
        this.bucket.maybeReset(bytesPerSecond * fillIntervalMillis / 1000);
        this.bufferLimit = Math.max(1, bufferLimit);
        this.loop = loop;
        this.sink = sink;
    }

    /**
     * Takes ownership of {@code data}. {@code trailersAdded}: the caller turned the end of the body
     * into trailers it will release on {@link Sink#resume()}.
     */
    public void write(ByteBuf data, boolean endStream, boolean trailersAdded) {
        if (destroyed) {
            data.release();
            return;
        }
        pendingBytes += data.readableBytes();
        pending.add(data);
        sawEnd = endStream;
        sawTrailers |= trailersAdded;
        trailersHeld |= trailersAdded;
        if (!sourcePaused && pendingBytes > bufferLimit) {
            sourcePaused = true;
            sink.pauseSource();
        }
        if (timer == null) {
            // Writing from inside the filter callback is not allowed: go on once the stack unwinds.
            schedule(0);
        }
    }

    /** Trailers arrived: true when they must wait for the body. */
    public boolean onTrailers() {
        sawEnd = true;
        sawTrailers = true;
        trailersHeld = pendingBytes > 0;
        return trailersHeld;
    }

    public void destroy() {
        destroyed = true;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        ByteBuf b;
        while ((b = pending.poll()) != null) {
            b.release();
        }
        pendingBytes = 0;
    }

    private void schedule(long delayMillis) {
        timer = loop.schedule(this::onTimer, delayMillis, TimeUnit.MILLISECONDS);
    }

    private void onTimer() {
        timer = null;
        if (destroyed) {
            return;
        }
        long budget = Math.min(bucket.consume(pendingBytes, true), pendingBytes);
        pendingBytes -= budget;
        boolean enforced = pendingBytes > 0;
        sink.allowed(budget, enforced, fillIntervalMillis);
        if (enforced) {
            schedule(fillIntervalMillis);
        }
        if (sourcePaused && pendingBytes <= bufferLimit / 2) {
            sourcePaused = false;
            sink.resumeSource();
        }
        boolean end = sawEnd && pendingBytes == 0 && !sawTrailers;
        if (budget == 0) {
            if (end) {
                drainEmpty();
                sink.write(Unpooled.EMPTY_BUFFER, true);
            }
        } else {
            handOn(budget, end);
        }
        if (!destroyed && pendingBytes == 0 && trailersHeld) {
            trailersHeld = false;
            sink.resume();
        }
    }

    /** Whole buffers where they fit, a slice of the next one for the rest; end on the last. */
    private void handOn(long budget, boolean end) {
        while (budget > 0 && !pending.isEmpty()) {
            ByteBuf head = pending.peek();
            ByteBuf out = head.readableBytes() <= budget ? pending.poll() : head.readRetainedSlice((int) budget);
            budget -= out.readableBytes();
            if (budget == 0) {
                drainEmpty();
            }
            sink.write(out, end && (budget == 0 || pending.isEmpty()));
            if (destroyed) {
                return;
            }
        }
    }

    /** Empty buffers left at the head once everything readable has gone. */
    private void drainEmpty() {
        while (!pending.isEmpty() && pending.peek().readableBytes() == 0) {
            pending.poll().release();
        }
    }
}
