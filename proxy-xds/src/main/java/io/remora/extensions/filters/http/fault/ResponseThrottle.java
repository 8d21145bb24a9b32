package io.remora.extensions.filters.http.fault;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.remora.http.filter.EncoderFilterCallbacks;

import java.util.ArrayDeque;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Paces the response body at a fixed KiB/s (the fault filter's response_rate_limit), as Envoy's
 * StreamRateLimiter: time is cut into 50 ms slices worth {@code kbps * 1024 / 20} bytes each; a
 * bucket of at most 20 slices (one second's worth, full at start) refills at 20 slices per second,
 * and a timer on the stream's event loop writes whatever the bucket allows onwards through the
 * encoder chain. Trailers wait until the body has been written.
 *
 * <p>The body waits here whole: the encoder filter API has no way to make the upstream stop
 * sending (Envoy raises a watermark), so a large fast response is held in memory while it trickles.
 */
final class ResponseThrottle {

    private static final int SLICES_PER_SECOND = 20;
    private static final long SLICE_NANOS = 1_000_000_000L / SLICES_PER_SECOND;

    private final long bytesPerSlice;
    private final EncoderFilterCallbacks encoder;
    private final EventLoop loop;
    private final ArrayDeque<ByteBuf> pending = new ArrayDeque<>();
    private long pendingBytes;
    private double slices = SLICES_PER_SECOND;
    private long lastRefill = System.nanoTime();
    private boolean sawEnd;
    private boolean sawTrailers;
    private ScheduledFuture<?> timer;
    private boolean destroyed;

    ResponseThrottle(long kbps, EncoderFilterCallbacks encoder, EventLoop loop) {
        this.bytesPerSlice = Math.max(1, kbps * 1024 / SLICES_PER_SECOND);
        this.encoder = encoder;
        this.loop = loop;
    }

    /** Takes ownership of {@code data}. */
    void write(ByteBuf data, boolean endStream) {
        if (destroyed) {
            data.release();
            return;
        }
        pendingBytes += data.readableBytes();
        pending.add(data);
        sawEnd |= endStream;
        if (timer == null) {
            schedule(0);
        }
    }

    /** Trailers arrived: true when they must wait for the body. */
    boolean holdTrailers() {
        sawEnd = true;
        sawTrailers = true;
        return pendingBytes > 0 || !pending.isEmpty();
    }

    void destroy() {
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

    private void schedule(long delayNanos) {
        timer = loop.schedule(this::onTimer, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void onTimer() {
        timer = null;
        if (destroyed) {
            return;
        }
        long now = System.nanoTime();
        slices = Math.min(SLICES_PER_SECOND, slices + (now - lastRefill) / (double) SLICE_NANOS);
        lastRefill = now;
        long wanted = (pendingBytes + bytesPerSlice - 1) / bytesPerSlice;
        long got = Math.min(wanted, (long) Math.floor(slices));
        slices -= got;
        long budget = Math.min(pendingBytes, got * bytesPerSlice);
        if (pendingBytes - budget > 0) {
            // Wait for the next whole slice.
            long missing = (long) Math.ceil((1 - (slices - Math.floor(slices))) * SLICE_NANOS);
            schedule(Math.max(1_000_000L, missing));
        }
        boolean empty = pendingBytes == budget;
        if (budget == 0 && !(empty && !pending.isEmpty())) {
            return;
        }
        pendingBytes -= budget;
        // Hand over whole buffers where they fit, a slice of the next one for the rest.
        while (!pending.isEmpty() && (budget > 0 || pending.peek().readableBytes() == 0)) {
            ByteBuf head = pending.peek();
            ByteBuf out;
            if (head.readableBytes() <= budget) {
                out = pending.poll();
            } else {
                out = head.readRetainedSlice((int) budget);
            }
            budget -= out.readableBytes();
            boolean last = pending.isEmpty() && pendingBytes == 0;
            encoder.injectEncodedDataToFilterChain(out, last && sawEnd && !sawTrailers);
            if (destroyed) {
                return;
            }
        }
        if (pendingBytes == 0 && pending.isEmpty() && sawTrailers) {
            encoder.continueEncoding();
        }
    }
}
