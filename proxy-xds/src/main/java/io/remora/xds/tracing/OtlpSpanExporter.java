package io.remora.xds.tracing;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.remora.config.TracingConfig;
import io.remora.runtime.Runtime;
import io.remora.tracing.CollectorPost;
import io.remora.tracing.FinishedSpan;
import io.remora.tracing.SpanBatcher;
import io.remora.tracing.SpanSink;
import io.remora.upstream.ClusterManager;
import io.remora.xds.grpc.ClusterChannel;

import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code envoy.tracers.opentelemetry}: buffers finished spans and exports them with OTLP/gRPC
 * ({@code opentelemetry.proto.collector.trace.v1.TraceService/Export}) to a host of the configured
 * cluster, as Envoy's tracer does: a batch goes when {@code tracing.opentelemetry.min_flush_spans}
 * spans are buffered (default 5) or every {@code tracing.opentelemetry.flush_interval_ms} (default
 * 5000), both runtime keys. Counts {@code tracing.opentelemetry.spans_sent} and
 * {@code tracing.opentelemetry.timer_flushed}. Spans over the buffer bound are dropped, never
 * blocking a worker.
 */
public final class OtlpSpanExporter implements SpanSink, AutoCloseable {

    private static final Logger LOG = io.remora.log.Logging.logger("tracing");

    private final TracingConfig.OpenTelemetry config;
    /** Built once: Envoy's tracer computes its resource when it is created. */
    private final Resource resource;
    private final SpanBatcher batcher;
    private final Counter spansSent;
    private final ClusterChannel channel;
    private final ClusterManager clusters;
    private final Counter httpReportsSent;
    private final Counter httpReportsSuccess;
    private final Counter httpReportsFailed;

    public OtlpSpanExporter(TracingConfig.OpenTelemetry config, ClusterManager clusters, Supplier<Runtime> runtime,
                            MeterRegistry registry) {
        this.config = config;
        Resource.Builder r = Resource.newBuilder();
        config.resource().forEach((k, v) -> r.addAttributes(kv(k, v)));
        this.resource = r.build();
        this.clusters = clusters;
        this.channel = config.http() == null ? new ClusterChannel(clusters, config.cluster(), config.authority(),
                config.retryPolicy()) : null;
        this.spansSent = Counter.builder("envoy_tracing_opentelemetry_spans_sent").register(registry);
        this.httpReportsSent = Counter.builder("envoy_tracing_opentelemetry_http_reports_sent").register(registry);
        this.httpReportsSuccess = Counter.builder("envoy_tracing_opentelemetry_http_reports_success").register(registry);
        this.httpReportsFailed = Counter.builder("envoy_tracing_opentelemetry_http_reports_failed").register(registry);
        this.batcher = new SpanBatcher("remora-otlp-" + config.cluster(), "tracing.opentelemetry", runtime,
                Counter.builder("envoy_tracing_opentelemetry_timer_flushed").register(registry), this::send);
    }

    @Override
    public void export(FinishedSpan span) {
        batcher.add(span);
    }

    /** Sends one export request; runs on the batcher's thread. */
    private void send(List<FinishedSpan> finished) {
        List<Span> spans = new ArrayList<>(finished.size());
        for (FinishedSpan s : finished) {
            spans.add(toProto(s));
        }
        ExportTraceServiceRequest request = ExportTraceServiceRequest.newBuilder()
                .addResourceSpans(ResourceSpans.newBuilder()
                        .setResource(resource)
                        .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(spans)))
                .build();
        if (config.http() != null) {
            post(request, spans.size());
            return;
        }
        ManagedChannel ch = channel.get();
        if (ch == null) {
            LOG.fine(() -> "no healthy host in cluster '" + config.cluster() + "': dropping " + spans.size() + " span(s)");
            return;
        }
        int n = spans.size();
        TraceServiceGrpc.newStub(ch).withDeadlineAfter(5, TimeUnit.SECONDS).export(request,
                new StreamObserver<ExportTraceServiceResponse>() {
                    @Override
                    public void onNext(ExportTraceServiceResponse value) {
                        spansSent.increment(n);
                    }

                    @Override
                    public void onError(Throwable t) {
                        LOG.log(Level.FINE, "OTLP export to cluster '" + config.cluster() + "' failed: " + t);
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
    }

    /** OTLP/HTTP: one POST of the batch to a healthy host of the collector's cluster. */
    private void post(ExportTraceServiceRequest request, int n) {
        TracingConfig.OtlpHttp http = config.http();
        SocketAddress target = CollectorPost.target(clusters, config.cluster());
        if (target == null) {
            LOG.fine(() -> "no healthy host in cluster '" + config.cluster() + "': dropping " + n + " span(s)");
            return;
        }
        spansSent.increment(n);
        httpReportsSent.increment();
        try {
            int status = CollectorPost.post(target, http.path(), http.host(), "application/x-protobuf", http.headers(),
                    request.toByteArray(), (int) Math.max(1, Math.min(Integer.MAX_VALUE, http.timeout().toMillis())));
            httpReportsSuccess.increment();
            if (status != 200) {
                LOG.fine(() -> "OTLP/HTTP collector answered " + status);
            }
        } catch (java.io.IOException e) {
            httpReportsFailed.increment();
            LOG.log(Level.FINE, "OTLP/HTTP export to cluster '" + config.cluster() + "' failed: " + e);
        }
    }

    static Span toProto(FinishedSpan s) {
        Span.Builder b = Span.newBuilder()
                .setTraceId(hex(s.traceId()))
                .setSpanId(hex(s.spanId()))
                .setName(s.name())
                .setKind(s.kind() == FinishedSpan.Kind.SERVER ? Span.SpanKind.SPAN_KIND_SERVER : Span.SpanKind.SPAN_KIND_CLIENT)
                .setStartTimeUnixNano(s.startEpochNanos())
                .setEndTimeUnixNano(s.endEpochNanos());
        if (s.parentSpanId() != null) {
            b.setParentSpanId(hex(s.parentSpanId()));
        }
        if (s.traceState() != null) {
            b.setTraceState(s.traceState());
        }
        for (Map.Entry<String, String> e : s.attributes().entrySet()) {
            b.addAttributes(kv(e.getKey(), e.getValue()));
        }
        Status.StatusCode code = statusCode(s);
        if (code != Status.StatusCode.STATUS_CODE_UNSET) {
            b.setStatus(Status.newBuilder().setCode(code));
        }
        return b.build();
    }

    /**
     * Envoy's OpenTelemetry Span::setTag: {@code http.status_code} sets ERROR for a 5xx, and for a
     * 4xx on a CLIENT span; a later {@code grpc.status_code} decides instead (CLIENT: any status but
     * OK; SERVER: the statuses that blame the server), a value that is no number leaving it unset.
     * Envoy's {@code error} tag is an attribute only.
     */
    static Status.StatusCode statusCode(FinishedSpan s) {
        boolean client = s.kind() == FinishedSpan.Kind.CLIENT;
        Status.StatusCode code = Status.StatusCode.STATUS_CODE_UNSET;
        Long http = unsigned(s.attributes().get("http.status_code"));
        if (http != null && (http >= 500 || http >= 400 && client)) {
            code = Status.StatusCode.STATUS_CODE_ERROR;
        }
        String grpcTag = s.attributes().get("grpc.status_code");
        if (grpcTag != null) {
            Long grpc = unsigned(grpcTag);
            boolean error = grpc != null && (client ? grpc != 0
                    : grpc == 2 || grpc == 4 || grpc == 12 || grpc == 13 || grpc == 14 || grpc == 15);
            code = error ? Status.StatusCode.STATUS_CODE_ERROR : Status.StatusCode.STATUS_CODE_UNSET;
        }
        return code;
    }

    /** absl::SimpleAtoi into an unsigned: a decimal, nothing else; null when it is not one. */
    private static Long unsigned(String v) {
        if (v == null) {
            return null;
        }
        String t = v.trim();
        if (t.startsWith("+")) {
            t = t.substring(1);
        }
        if (t.isEmpty() || t.length() > 19 || !t.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return null;
        }
        return Long.parseLong(t);
    }

    private static KeyValue kv(String k, String v) {
        return KeyValue.newBuilder().setKey(k).setValue(AnyValue.newBuilder().setStringValue(v)).build();
    }

    private static ByteString hex(String h) {
        byte[] out = new byte[h.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
        }
        return ByteString.copyFrom(out);
    }

    /** Sends what is left, then stops. */
    @Override
    public void close() {
        batcher.close();
        if (channel != null) {
            channel.close();
        }
    }
}
