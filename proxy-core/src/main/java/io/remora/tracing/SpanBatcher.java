package io.remora.tracing;

import io.micrometer.core.instrument.Counter;
import io.remora.runtime.Runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The batching Envoy's tracers share: finished spans are buffered and handed to {@code send} as a
 * batch when {@code <prefix>.min_flush_spans} are waiting (default 5) or every
 * {@code <prefix>.flush_interval_ms} (default 5000), both runtime keys; {@code timerFlushed}
 * counts the timer's flushes. Spans over the buffer bound are dropped, never blocking a worker.
 * Batches are sent on the batcher's own thread, never on a worker.
 */
public final class SpanBatcher implements AutoCloseable {

    private static final int MAX_BUFFERED = 10_000;
    private static final java.util.logging.Logger LOG = io.remora.log.Logging.logger("tracing");

    private final LongSupplier intervalMillis;
    private final IntSupplier minFlushSpans;
    /** Null when the tracer counts no timer flushes. */
    private final Counter timerFlushed;
    private final Consumer<List<FinishedSpan>> send;
    private final ConcurrentLinkedQueue<FinishedSpan> buffer = new ConcurrentLinkedQueue<>();
    private final AtomicInteger buffered = new AtomicInteger();
    private final ScheduledExecutorService thread;

    /** @param threadName the sending thread's name; {@code runtimePrefix} e.g. {@code tracing.zipkin} */
    public SpanBatcher(String threadName, String runtimePrefix, Supplier<Runtime> runtime, Counter timerFlushed,
                       Consumer<List<FinishedSpan>> send) {
        this(threadName, () -> runtime.get().getInteger(runtimePrefix + ".flush_interval_ms", 5000),
                () -> (int) Math.min(Integer.MAX_VALUE,
                        runtime.get().getInteger(runtimePrefix + ".min_flush_spans", 5)),
                timerFlushed, send);
    }

    /**
     * Batches sent only every {@code intervalMillis}, whatever their size, as Datadog's tracer
     * flushes (no count trigger, no stat).
     */
    public SpanBatcher(String threadName, long intervalMillis, Consumer<List<FinishedSpan>> send) {
        this(threadName, () -> intervalMillis, () -> Integer.MAX_VALUE, null, send);
    }

    /**
     * Spans handed to {@code send} as soon as they finish (whatever is waiting when the thread
     * gets to them), as SkyWalking's reporter writes each segment to its stream at once; the
     * batcher only moves the work off the workers.
     */
    public static SpanBatcher immediate(String threadName, Consumer<List<FinishedSpan>> send) {
        return new SpanBatcher(threadName, () -> 1000, () -> 1, null, send);
    }

    private SpanBatcher(String threadName, LongSupplier intervalMillis, IntSupplier minFlushSpans,
                        Counter timerFlushed, Consumer<List<FinishedSpan>> send) {
        this.intervalMillis = intervalMillis;
        this.minFlushSpans = minFlushSpans;
        this.timerFlushed = timerFlushed;
        this.send = send;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        scheduleTimer();
    }

    private void scheduleTimer() {
        long ms = Math.max(1, intervalMillis.getAsLong());
        try {
            thread.schedule(() -> {
                if (timerFlushed != null) {
                    timerFlushed.increment();
                }
                try {
                    flush();
                } finally {
                    scheduleTimer();
                }
            }, ms, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closed) {
            // shutting down
        }
    }

    /** Buffers a span; called on workers. */
    public void add(FinishedSpan span) {
        if (buffered.incrementAndGet() > MAX_BUFFERED) {
            buffered.decrementAndGet();
            return;
        }
        buffer.add(span);
        if (buffered.get() >= minFlushSpans.getAsInt()) {
            try {
                thread.execute(this::flush);
            } catch (RejectedExecutionException closed) {
                // shutting down
            }
        }
    }

    private void flush() {
        List<FinishedSpan> spans = new ArrayList<>();
        FinishedSpan s;
        while ((s = buffer.poll()) != null) {
            buffered.decrementAndGet();
            spans.add(s);
        }
        if (spans.isEmpty()) {
            return;
        }
        try {
            send.accept(spans);
        } catch (RuntimeException e) {
            // An exporter's bug loses this batch, never the batcher: a throw out of a scheduled
            // task would cancel the timer and every later flush with it.
            LOG.log(java.util.logging.Level.WARNING, "dropping " + spans.size() + " spans: the exporter failed", e);
        }
    }

    /** Sends what is buffered (waiting up to 5 s), then stops the thread. */
    @Override
    public void close() {
        try {
            thread.submit(this::flush).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            // best effort at shutdown
        }
        thread.shutdownNow();
    }
}
