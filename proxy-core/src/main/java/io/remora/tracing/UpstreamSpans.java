package io.remora.tracing;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.accesslog.StreamInfo;
import io.remora.config.Route;
import io.remora.config.TracingConfig;

/**
 * The request's span as the router sees it, to start a span per try upstream (Envoy's
 * UpstreamRequest spawning a child of the active span when the connection manager's
 * {@code spawn_upstream_span} or the router's {@code start_child_span} asks). The tracing filter
 * keeps it current: the ids and the decision may change when the route is looked up again.
 *
 * <p>A try's span is a child of the request's span, named {@code router <cluster> egress}, and its
 * context (not the request span's) goes upstream, sampled or not, as Envoy's child span injects its
 * own. Datadog's is dd-trace-cpp's child span ({@code envoy.proxy}, the name as its resource, Datadog's
 * headers and W3C's upstream). OpenTelemetry's is a CLIENT span; Zipkin's is CLIENT when the connection manager spawns
 * upstream spans, else of the listener's direction, and an ingress one shares the request span's
 * ids under {@code shared_span_context} (Envoy's Zipkin tracer). SkyWalking's is an Exit span of the
 * request's segment, named by the upstream request's path (Envoy's SkyWalking Span::injectContext).
 */
public final class UpstreamSpans {

    private final TracingConfig config;
    private final SpanSink sink;
    /** Non-null for Zipkin: B3 out, its span kinds and shared ids. */
    private final TracingConfig.Zipkin zipkin;
    /** Fluentd logs unsampled spans too; Datadog reports them with the trace's negative priority. */
    private final boolean reportsUnsampled;
    /** Non-null for Datadog: its headers out, each try a child span of the request's. */
    DatadogTrace datadog;
    /** Non-null for SkyWalking: each try an Exit span of the request's segment. */
    SkyWalkingContext skyWalking;
    private final StreamInfo info;
    String traceId;
    String spanId;
    String parentSpanId;
    String traceState;
    boolean sampled;
    Route.Tracing routeTracing;

    UpstreamSpans(TracingConfig config, SpanSink sink, TracingConfig.Zipkin zipkin, boolean reportsUnsampled,
                  StreamInfo info) {
        this.config = config;
        this.sink = sink;
        this.zipkin = zipkin;
        this.reportsUnsampled = reportsUnsampled;
        this.info = info;
    }

    /** Whether a try gets a span of its own: the connection manager's {@code spawn_upstream_span}, else the router's {@code start_child_span}. */
    public boolean spawns(boolean startChildSpan) {
        return config.spawnUpstreamSpan() || startChildSpan;
    }

    /**
     * Starts the span of a try and writes its context into the request headers going upstream.
     *
     * @param observabilityName the route cluster's {@code alt_stat_name}, else its name
     * @param attempt           the try's number, 1 for the first
     * @param host              the try's host ({@code 10.0.0.1:8080}), SkyWalking's target address
     */
    public UpstreamSpan start(String cluster, String observabilityName, int attempt, Http2Headers headers,
                              java.net.SocketAddress host) {
        long start = System.currentTimeMillis() * 1_000_000L + System.nanoTime() % 1_000_000L;
        FinishedSpan.Kind kind = zipkin == null || config.spawnUpstreamSpan() || config.egress()
                ? FinishedSpan.Kind.CLIENT : FinishedSpan.Kind.SERVER;
        boolean shared = zipkin != null && kind == FinishedSpan.Kind.SERVER && zipkin.sharedSpanContext();
        String id = shared ? spanId : TraceContext.newSpanId();
        String parent = shared ? parentSpanId : spanId;
        String name = "router " + observabilityName + " egress";
        if (skyWalking != null) {
            id = Integer.toString(skyWalking.startTry(headers, io.remora.accesslog.AccessLogFormatter.address(host, true)));
            parent = "0";
            name = headers.path() == null ? "" : headers.path().toString();
        } else if (datadog != null) {
            // Envoy's Datadog Span::spawnChild: dd-trace-cpp's child span, whose context goes upstream.
            long child = DatadogTrace.newSpanId();
            id = TraceContext.hex(child);
            datadog.inject(headers, child);
        } else if (zipkin != null) {
            TraceContext.injectB3(headers, traceId, id, parent, sampled);
        } else {
            TraceContext.injectTraceparent(headers, traceId, id, sampled, traceState);
        }
        UpstreamSpan span = new UpstreamSpan(this, id, parent, name, kind, shared, start);
        if (attempt > 1) {
            span.tags.put("retry.count", Integer.toString(attempt - 1));
        }
        span.cluster = cluster;
        span.observabilityName = observabilityName;
        span.headers = headers;
        return span;
    }

    /** A try's span ended: Envoy's finalizeUpstreamSpan tags, then the provider's sink when sampled. */
    void finish(UpstreamSpan s) {
        if (!sampled && !reportsUnsampled) {
            return;
        }
        long end = System.currentTimeMillis() * 1_000_000L + System.nanoTime() % 1_000_000L;
        java.util.Map<String, String> tags = s.tags;
        SpanTags.upstream(tags, s, info, config, routeTracing);
        if (skyWalking != null) {
            FinishedSpan entry = skyWalking.tryFinished(new SkyWalkingContext.ExitSpan(Integer.parseInt(s.spanId), s.name,
                    s.startEpochNanos, Math.max(end, s.startEpochNanos), tags, "true".equals(tags.get("error"))));
            if (entry != null) {
                sink.export(entry);
            }
            return;
        }
        sink.export(new FinishedSpan(traceId, s.spanId, s.parentSpanId, s.name, s.kind, s.startEpochNanos,
                Math.max(end, s.startEpochNanos), tags, "true".equals(tags.get("error")), traceState, s.shared));
    }
}
