package io.remora.tracing;

import io.micrometer.core.instrument.MeterRegistry;
import io.remora.config.TracingConfig;
import io.remora.upstream.ClusterManager;
import io.remora.util.MsgPackWriter;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * {@code envoy.tracers.datadog}: buffers finished spans and sends them every 2 s (dd-trace-cpp's
 * flush interval) to a healthy host of {@code collector_cluster}, as the Datadog agent's
 * {@code /v0.4/traces} API takes them: a MessagePack array of traces, each an array of spans,
 * with the headers dd-trace-cpp sends (Envoy's tracer is that library: language {@code cpp}).
 * Each span is its own trace chunk, as Envoy's spans are each a local root. Stats as Envoy's:
 * {@code tracing.datadog.reports_sent} (the agent answered 200), {@code reports_dropped} (other
 * statuses), {@code reports_failed} (no answer), {@code reports_skipped_no_cluster}.
 */
public final class DatadogSpanExporter extends BatchingSpanSink {

    static final String PATH = "/v0.4/traces";
    private static final int FLUSH_INTERVAL_MS = 2000;
    private static final int REQUEST_TIMEOUT_MS = 2000;
    /** dd-trace-cpp's C++ standard, its Datadog-Meta-Lang-Version. */
    private static final String LANG_VERSION = "201703";

    private final TracingConfig.Datadog config;
    private final String runtimeId = UUID.randomUUID().toString();
    private final long processId = ProcessHandle.current().pid();
    private final CollectorReports reports;

    public DatadogSpanExporter(TracingConfig.Datadog config, ClusterManager clusters, MeterRegistry registry) {
        super(config);
        this.config = config;
        this.reports = new CollectorReports("datadog", clusters, config.cluster(), registry);
        start(new SpanBatcher("remora-datadog-" + config.cluster(), FLUSH_INTERVAL_MS, this::send));
    }

    @Override
    void send(List<FinishedSpan> spans) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("X-Datadog-Trace-Count", Integer.toString(spans.size()));
        headers.put("Datadog-Meta-Lang", "cpp");
        headers.put("Datadog-Meta-Lang-Version", LANG_VERSION);
        headers.put("Datadog-Meta-Tracer-Version", "remora");
        String host = config.hostname().isEmpty() ? config.cluster() : config.hostname();
        reports.post(spans.size(), PATH, host, "application/msgpack", headers, () -> encode(spans), REQUEST_TIMEOUT_MS,
                200);
    }

    /** The body: one single-span trace per span. */
    byte[] encode(List<FinishedSpan> spans) {
        MsgPackWriter w = new MsgPackWriter(spans.size() * 600);
        w.array(spans.size());
        for (FinishedSpan s : spans) {
            w.array(1);
            span(w, s);
        }
        return w.toByteArray();
    }

    /**
     * A span as dd-trace-cpp writes it: the trace id's low half, name {@code envoy.proxy}, the
     * operation as resource, Envoy's tags as {@code meta} except {@code error} (the error flag)
     * and the sampling numbers (in {@code metrics}).
     */
    private void span(MsgPackWriter w, FinishedSpan s) {
        Map<String, String> meta = new LinkedHashMap<>();
        Map<String, Double> metrics = new LinkedHashMap<>();
        String resource = s.name();
        for (Map.Entry<String, String> e : s.attributes().entrySet()) {
            switch (e.getKey()) {
                case "error" -> {
                }
                case "resource.name" -> resource = e.getValue();
                case "error.reason" -> {
                    meta.put("error.message", e.getValue());
                    meta.put(e.getKey(), e.getValue());
                }
                case DatadogTrace.SAMPLING_PRIORITY_METRIC, DatadogTrace.AGENT_RATE_METRIC -> {
                    // A custom tag of the same name may have replaced the number: then it stays a string.
                    try {
                        metrics.put(e.getKey(), Double.parseDouble(e.getValue()));
                    } catch (NumberFormatException notANumber) {
                        meta.put(e.getKey(), e.getValue());
                    }
                }
                default -> meta.put(e.getKey(), e.getValue());
            }
        }
        meta.put("language", "cpp");
        meta.put("runtime-id", runtimeId);
        metrics.put("process_id", (double) processId);
        w.map(12);
        w.string("service").string(config.serviceName());
        w.string("name").string("envoy.proxy");
        w.string("resource").string(resource);
        w.string("trace_id").unsigned(Long.parseUnsignedLong(s.traceId().substring(16), 16));
        w.string("span_id").unsigned(Long.parseUnsignedLong(s.spanId(), 16));
        w.string("parent_id").unsigned(s.parentSpanId() == null ? 0 : Long.parseUnsignedLong(s.parentSpanId(), 16));
        w.string("start").signed(s.startEpochNanos());
        w.string("duration").signed(Math.max(0, s.endEpochNanos() - s.startEpochNanos()));
        w.string("error").signed(s.error() ? 1 : 0);
        w.string("meta").map(meta.size());
        meta.forEach((k, v) -> w.string(k).string(v));
        w.string("metrics").map(metrics.size());
        metrics.forEach((k, v) -> w.string(k).float64(v));
        w.string("type").string("web");
    }
}
