package io.remora.extensions.filters.common.tap;

import io.envoyproxy.envoy.data.tap.v3.TraceWrapper;
import io.remora.admin.AdminStream;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * An attached {@code /tap} session: its config id, the config it installed, and the sink that
 * writes its traces to the admin stream — each as one message as it comes ({@code streaming_admin}),
 * or all at once when {@code max_traces} are there or the timeout passed ({@code buffered_admin}),
 * which ends the stream. Traces are encoded and sent on the tap writer thread.
 */
final class TapAdminSession implements TraceSink {

    final String configId;
    final TapExtensionConfig.Active active;
    private final TapSpec spec;
    private final AdminStream stream;
    private final List<TraceWrapper> buffered = new ArrayList<>();
    private boolean flushed;

    TapAdminSession(String configId, TapSpec spec, AdminStream stream) {
        this.configId = configId;
        this.spec = spec;
        this.stream = stream;
        this.active = new TapExtensionConfig.Active(spec, this);
        if (spec.sink() instanceof TapSpec.BufferedAdmin b && b.timeoutMillis() > 0) {
            FilePerTapSink.WRITER.schedule(this::flush, b.timeoutMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void submit(TraceWrapper trace, long traceId) {
        try {
            FilePerTapSink.WRITER.execute(() -> write(trace));
        } catch (RejectedExecutionException e) {
            // shutting down
        }
    }

    /** On the writer thread. */
    private void write(TraceWrapper trace) {
        if (!(spec.sink() instanceof TapSpec.BufferedAdmin b)) {
            stream.send(TraceEncoding.encode(trace, spec.format()));
            return;
        }
        if (flushed) {
            return;
        }
        buffered.add(trace);
        if (buffered.size() >= b.maxTraces()) {
            flush();
        }
    }

    /** On the writer thread: sends what is buffered and ends the stream (buffered_admin). */
    private void flush() {
        if (flushed) {
            return;
        }
        flushed = true;
        for (TraceWrapper t : buffered) {
            stream.send(TraceEncoding.encode(t, spec.format()));
        }
        buffered.clear();
        stream.end();
    }
}
