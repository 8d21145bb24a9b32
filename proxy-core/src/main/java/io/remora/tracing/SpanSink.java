package io.remora.tracing;

/** Where a provider's finished spans go (an exporter); called on worker threads, must not block. */
public interface SpanSink {

    void export(FinishedSpan span);

    /**
     * The provider this sink exports for, when a connection manager's tracing names none and the
     * bootstrap's {@code tracing.http} applies; it decides how context propagates (B3 for Zipkin).
     */
    default io.remora.config.TracingConfig.Provider provider() {
        return null;
    }
}
