package io.remora.tracing;

/** Where a provider's finished spans go (an exporter); called on worker threads, must not block. */
public interface SpanSink {

    void export(FinishedSpan span);
}
