package io.remora.tracing;

import io.remora.config.TracingConfig;

import java.util.List;

/** A provider's exporter that sends finished spans in batches from a {@link SpanBatcher}'s thread. */
abstract class BatchingSpanSink implements SpanSink, AutoCloseable {

    private final TracingConfig.Provider provider;
    private SpanBatcher batcher;

    BatchingSpanSink(TracingConfig.Provider provider) {
        this.provider = provider;
    }

    /** Called last in the subclass's constructor, once {@link #send} can run. */
    final void start(SpanBatcher b) {
        this.batcher = b;
    }

    /** Sends one batch; runs on the batcher's thread. */
    abstract void send(List<FinishedSpan> spans);

    @Override
    public final TracingConfig.Provider provider() {
        return provider;
    }

    @Override
    public final void export(FinishedSpan span) {
        batcher.add(span);
    }

    /** Sends what is left, then stops. */
    @Override
    public final void close() {
        batcher.close();
    }
}
