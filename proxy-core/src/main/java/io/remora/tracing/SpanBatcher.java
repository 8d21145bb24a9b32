package io.remora.tracing;

import io.micrometer.core.instrument.Counter;
import io.remora.runtime.Runtime;
import io.remora.util.Batcher;

import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The batching Envoy's tracers share: finished spans are buffered and handed to {@code send} as a
 * batch when {@code <prefix>.min_flush_spans} are waiting (default 5) or every
 * {@code <prefix>.flush_interval_ms} (default 5000), both runtime keys; {@code timerFlushed}
 * counts the timer's flushes. Spans over the buffer bound are dropped, never blocking a worker.
 * Batches are sent on the batcher's own thread, never on a worker ({@link Batcher}).
 */
public final class SpanBatcher implements AutoCloseable {

    private static final int MAX_BUFFERED = 10_000;

    private final Batcher<FinishedSpan> batcher;

    /** @param threadName the sending thread's name; {@code runtimePrefix} e.g. {@code tracing.zipkin} */
    public SpanBatcher(String threadName, String runtimePrefix, Supplier<Runtime> runtime, Counter timerFlushed,
                       Consumer<List<FinishedSpan>> send) {
        this(threadName, () -> runtime.get().getInteger(runtimePrefix + ".flush_interval_ms", 5000),
                () -> runtime.get().getInteger(runtimePrefix + ".min_flush_spans", 5),
                timerFlushed, send);
    }

    /**
     * Batches sent only every {@code intervalMillis}, whatever their size, as Datadog's tracer
     * flushes (no count trigger, no stat).
     */
    public SpanBatcher(String threadName, long intervalMillis, Consumer<List<FinishedSpan>> send) {
        this(threadName, () -> intervalMillis, () -> Long.MAX_VALUE, null, send);
    }

    /**
     * Spans handed to {@code send} as soon as they finish (whatever is waiting when the thread
     * gets to them), as SkyWalking's reporter writes each segment to its stream at once; the
     * batcher only moves the work off the workers.
     */
    public static SpanBatcher immediate(String threadName, Consumer<List<FinishedSpan>> send) {
        return new SpanBatcher(threadName, () -> 1000, () -> 1, null, send);
    }

    private SpanBatcher(String threadName, LongSupplier intervalMillis, LongSupplier minFlushSpans,
                        Counter timerFlushed, Consumer<List<FinishedSpan>> send) {
        this.batcher = new Batcher<>(threadName, intervalMillis, minFlushSpans, MAX_BUFFERED, span -> 1,
                timerFlushed == null ? null : timerFlushed::increment, send);
    }

    /** Buffers a span; called on workers. */
    public void add(FinishedSpan span) {
        batcher.add(span);
    }

    /** Sends what is buffered (waiting up to 5 s), then stops the thread. */
    @Override
    public void close() {
        batcher.close();
    }
}
