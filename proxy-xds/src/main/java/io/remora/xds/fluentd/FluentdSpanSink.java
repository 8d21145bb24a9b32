package io.remora.xds.fluentd;

import io.remora.config.TracingConfig;
import io.remora.tracing.FinishedSpan;
import io.remora.tracing.SpanSink;
import io.remora.util.MsgPackWriter;

import java.util.Map;
import java.util.TreeMap;

/**
 * {@code envoy.tracers.fluentd}'s spans: each finished span is one entry on the worker's upstream,
 * stamped with its end in seconds, whose record is Envoy's map of strings: {@code operation},
 * {@code trace_id}, {@code span_id}, {@code start_time} and {@code end_time} (seconds), then the
 * span's tags (a tag of the same name wins, as in Envoy's map), keys in byte order.
 */
final class FluentdSpanSink implements SpanSink {

    private static final FluentdUpstream.Record<FinishedSpan> RECORD = FluentdSpanSink::write;

    private final TracingConfig.Fluentd provider;
    private final FluentdUpstreams upstreams;

    FluentdSpanSink(TracingConfig.Fluentd provider, FluentdUpstreams upstreams) {
        this.provider = provider;
        this.upstreams = upstreams;
    }

    @Override
    public void export(FinishedSpan span) {
        FluentdUpstream upstream = upstreams.current();
        if (upstream == null) {
            upstreams.stats().entriesLost.increment();
            return;
        }
        upstream.log(seconds(span.endEpochNanos()), RECORD, span);
    }

    @Override
    public TracingConfig.Provider provider() {
        return provider;
    }

    private static void write(MsgPackWriter w, FinishedSpan span) {
        Map<String, String> record = new TreeMap<>();
        record.put("operation", span.name());
        record.put("trace_id", span.traceId());
        record.put("span_id", span.spanId());
        record.put("start_time", Long.toString(seconds(span.startEpochNanos())));
        record.put("end_time", Long.toString(seconds(span.endEpochNanos())));
        record.putAll(span.attributes());
        w.map(record.size());
        for (Map.Entry<String, String> e : record.entrySet()) {
            w.string(e.getKey()).string(e.getValue());
        }
    }

    private static long seconds(long epochNanos) {
        return epochNanos / 1_000_000_000L;
    }
}
