package io.remora.tracing;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.config.TracingConfig;
import io.remora.runtime.Runtime;
import io.remora.upstream.ClusterManager;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static io.remora.util.JsonStrings.quote;

/**
 * {@code envoy.tracers.zipkin}: buffers finished spans and POSTs them as a Zipkin v2 JSON array
 * ({@code HTTP_JSON}) to {@code collector_endpoint} on a healthy host of {@code collector_cluster},
 * as Envoy's Zipkin driver does: a report goes when {@code tracing.zipkin.min_flush_spans} spans
 * are buffered (default 5) or every {@code tracing.zipkin.flush_interval_ms} (default 5000), both
 * runtime keys; {@code tracing.zipkin.request_timeout} (default 5000 ms) bounds each POST. Stats
 * as Envoy's: {@code tracing.zipkin.spans_sent}, {@code timer_flushed}, {@code reports_sent}
 * (the collector answered 202), {@code reports_dropped} (any other status), {@code reports_failed}
 * (no answer) and {@code reports_skipped_no_cluster}. The POST is a plain blocking HTTP/1.1
 * exchange on the exporter's own thread, never on a worker.
 */
public final class ZipkinSpanExporter extends BatchingSpanSink {

    private final TracingConfig.Zipkin config;
    private final String serviceName;
    private final Supplier<Runtime> runtime;
    private final String localIpv4;
    private final Counter spansSent;
    private final CollectorReports reports;

    /** @param serviceName the spans' {@code localEndpoint.serviceName}: the node's cluster, as in Envoy */
    public ZipkinSpanExporter(TracingConfig.Zipkin config, String serviceName, ClusterManager clusters,
                              Supplier<Runtime> runtime, MeterRegistry registry) {
        super(config);
        this.config = config;
        this.serviceName = serviceName == null ? "" : serviceName;
        this.runtime = runtime;
        this.spansSent = Counter.builder("envoy_tracing_zipkin_spans_sent").register(registry);
        this.reports = new CollectorReports("zipkin", clusters, config.cluster(), registry);
        this.localIpv4 = localIpv4();
        start(new SpanBatcher("remora-zipkin-" + config.cluster(), "tracing.zipkin", runtime,
                Counter.builder("envoy_tracing_zipkin_timer_flushed").register(registry), this::send));
    }

    @Override
    void send(List<FinishedSpan> spans) {
        spansSent.increment(spans.size());
        int timeout = (int) Math.max(1, runtime.get().getInteger("tracing.zipkin.request_timeout", 5000));
        String host = config.hostname().isEmpty() ? config.cluster() : config.hostname();
        reports.post(spans.size(), config.endpoint(), host, "application/json", Map.of(),
                () -> json(spans, serviceName, localIpv4).getBytes(StandardCharsets.UTF_8), timeout, 202);
    }

    /** Zipkin v2 JSON: ids in hex (a trace id with a zero upper half as 16 digits), times in microseconds. */
    static String json(List<FinishedSpan> spans, String serviceName, String ipv4) {
        StringBuilder sb = new StringBuilder(spans.size() * 512);
        sb.append('[');
        for (int i = 0; i < spans.size(); i++) {
            FinishedSpan s = spans.get(i);
            if (i > 0) {
                sb.append(',');
            }
            sb.append("{\"traceId\":");
            quote(sb, s.traceId().startsWith("0000000000000000") ? s.traceId().substring(16) : s.traceId());
            if (s.parentSpanId() != null) {
                sb.append(",\"parentId\":");
                quote(sb, s.parentSpanId());
            }
            sb.append(",\"id\":");
            quote(sb, s.spanId());
            sb.append(",\"kind\":\"").append(s.kind() == FinishedSpan.Kind.SERVER ? "SERVER" : "CLIENT").append('"');
            sb.append(",\"name\":");
            quote(sb, s.name());
            long startMicros = s.startEpochNanos() / 1000;
            sb.append(",\"timestamp\":").append(startMicros);
            sb.append(",\"duration\":").append(Math.max(1, s.endEpochNanos() / 1000 - startMicros));
            sb.append(",\"localEndpoint\":{\"serviceName\":");
            quote(sb, serviceName);
            if (ipv4 != null) {
                sb.append(",\"ipv4\":");
                quote(sb, ipv4);
            }
            sb.append('}');
            if (!s.attributes().isEmpty()) {
                sb.append(",\"tags\":{");
                boolean first = true;
                for (Map.Entry<String, String> e : s.attributes().entrySet()) {
                    if (!first) {
                        sb.append(',');
                    }
                    first = false;
                    quote(sb, e.getKey());
                    sb.append(':');
                    quote(sb, e.getValue());
                }
                sb.append('}');
            }
            if (s.shared()) {
                sb.append(",\"shared\":true");
            }
            sb.append('}');
        }
        return sb.append(']').toString();
    }

    /** The host's first non-loopback IPv4 address, as Envoy's local address in spans; null if none. */
    private static String localIpv4() {
        try {
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!ni.isUp() || ni.isLoopback()) {
                    continue;
                }
                for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                    if (a instanceof Inet4Address) {
                        return a.getHostAddress();
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // no interfaces readable: leave the address out
        }
        return null;
    }
}
