package io.remora.tracing;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.accesslog.StreamInfo;
import io.remora.config.TracingConfig;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.EncoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.http.filter.StreamFilter;

import java.util.Map;

/**
 * The connection manager's tracing, as a filter placed first on the request path: reads the
 * incoming trace context (W3C for OpenTelemetry and Fluentd; B3 for Zipkin; Datadog's headers
 * and W3C for the Datadog tracer; sw8 for SkyWalking), makes the sampling decision as Envoy does (an incoming decision wins; else
 * {@code x-envoy-force-trace}, {@code x-client-trace-id} with client_sampling, random_sampling;
 * then overall_sampling), starts the proxy's span and writes
 * its context into the upstream request; when the stream ends, hands a sampled span with Envoy's
 * tags to the provider's sink.
 */
public final class TracingFilter implements StreamFilter {

    private static final AsciiString DECORATOR_OPERATION = AsciiString.cached("x-envoy-decorator-operation");

    private final TracingConfig config;
    private final SpanSink sink;
    /** Non-null when the provider is Zipkin: B3 propagation and its span-id rules. */
    private final TracingConfig.Zipkin zipkin;
    /** The provider is Datadog: its propagation, and every span reported with its priority. */
    private final boolean datadog;
    private DatadogTrace datadogTrace;
    /** Non-null when the provider is SkyWalking: sw8 propagation, names resolved by the sink. */
    private final TracingConfig.SkyWalking skyWalking;
    private SkyWalkingContext skyWalkingContext;
    private boolean shared;
    /**
     * Zipkin's span was started by the connection manager's decision (no B3 context, no sampling
     * flag): a route looked up again decides again (Envoy's Zipkin span useLocalDecision).
     */
    private boolean zipkinLocalDecision;
    private DecoderFilterCallbacks decoder;
    /** The route's {@code tracing}, which replaces the connection manager's sampling; null for none. */
    private io.remora.config.Route.Tracing routeTracing;
    private String traceId;
    private String spanId;
    private String parentSpanId;
    private String traceState;
    private boolean sampled;
    /** The service forced the trace (x-envoy-force-trace): Envoy's trace reason ServiceForced. */
    private boolean forced;
    private long startEpochNanos;
    private Map<String, String> requestTags;
    /** The response's gRPC status tags, from its headers then its trailers; null until one carries grpc-status. */
    private Map<String, String> grpcResponseTags;
    /** The span's name: the route's decorator, an ingress caller's x-envoy-decorator-operation, or Envoy's default. */
    private String operation;
    /** Ingress: the route's decorator named the span and propagates, so the response carries it. */
    private boolean returnOperation;
    /** The ingress caller's x-envoy-decorator-operation named the span: a new route does not rename it. */
    private boolean callerNamed;
    /** The incoming context's flag decided sampling: a new route does not decide again. */
    private boolean incomingDecided;
    /** OpenTelemetry's sampler (null: none): it decides each span, whatever the parent or the connection manager decided. */
    private final SpanSampler sampler;
    /** Envoy's Fluentd tracer logs every span it finishes, sampled or not (the flag only propagates). */
    private final boolean reportsUnsampled;
    /** The request's span for the router's spans per try. */
    private UpstreamSpans upstream;

    private TracingFilter(TracingConfig config, SpanSink sink) {
        this.config = config;
        this.sink = sink;
        TracingConfig.Provider p = config.provider() != null ? config.provider() : sink.provider();
        this.zipkin = p instanceof TracingConfig.Zipkin z ? z : null;
        this.datadog = p instanceof TracingConfig.Datadog;
        this.sampler = p instanceof TracingConfig.OpenTelemetry o ? o.sampler() : null;
        this.reportsUnsampled = p instanceof TracingConfig.Fluentd;
        // The sink's copy carries the service and instance names defaulted from the node.
        this.skyWalking = sink.provider() instanceof TracingConfig.SkyWalking s ? s
                : p instanceof TracingConfig.SkyWalking s ? s : null;
    }

    /** The per-stream factory for one connection manager's tracing. */
    public static HttpFilterFactory factory(TracingConfig config, SpanSink sink) {
        return () -> new TracingFilter(config, sink);
    }

    @Override
    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        this.decoder = callbacks;
    }

    @Override
    public void setEncoderFilterCallbacks(EncoderFilterCallbacks callbacks) {
    }

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        startEpochNanos = System.currentTimeMillis() * 1_000_000L + System.nanoTime() % 1_000_000L;
        operation = operation(headers);
        if (zipkin != null) {
            startZipkin(headers);
            recordTraceId();
            watchRoute(headers);
            return FilterStatus.CONTINUE;
        }
        if (datadog) {
            startDatadog(headers);
            watchRoute(headers);
            return FilterStatus.CONTINUE;
        }
        if (skyWalking != null) {
            startSkyWalking(headers);
            watchRoute(headers);
            return FilterStatus.CONTINUE;
        }
        TraceContext incoming = TraceContext.extractTraceparent(headers);
        if (incoming == null && headers.contains(TraceContext.TRACEPARENT)) {
            // Envoy's OpenTelemetry and Fluentd tracers start a null span for a traceparent they
            // cannot read: nothing reported, the request's trace headers left as they came.
            return FilterStatus.CONTINUE;
        }
        incomingDecided = incoming != null;
        sampled = incomingDecided ? incoming.sampled() : decide(headers);
        if (sampler != null) {
            sampled = decoder == null ? sampler.sampled(null, headers, io.remora.config.NodeInfo.of("", ""))
                    : sampler.sampled(decoder.streamInfo(), headers, decoder.serverContext().node());
        }
        traceId = incoming != null ? incoming.traceId() : TraceContext.newTraceId();
        parentSpanId = incoming != null ? incoming.spanId() : null;
        traceState = incoming != null ? incoming.traceState() : null;
        spanId = TraceContext.newSpanId();
        recordTraceId();
        TraceContext.injectTraceparent(headers, traceId, spanId, sampled, traceState);
        if (sampled || reportsUnsampled) {
            requestTags = SpanTags.request(headers, config, routeTracing, decoder);
        }
        watchRoute(headers);
        return FilterStatus.CONTINUE;
    }

    private void watchRoute(Http2Headers headers) {
        if (decoder != null) {
            decoder.onRouteRefreshed(() -> refresh(headers));
        }
    }

    /**
     * Envoy 1.36 (trace_refresh_after_route_refresh): a route looked up again after a filter
     * cleared the cache names the span by its decorator and, when the span follows the connection
     * manager's decision (Envoy's Span::useLocalDecision), decides sampling with its tracing
     * percentages, the trace context going upstream updated. A reason packed into the request id
     * stays, so a traced request is not untraced (but overall_sampling may still veto, as at first).
     * With every tracer the span takes the new route's decorator and custom tags: Envoy's setRoute
     * remakes the stream's custom tags from the new route (refreshCachedTracingCustomTags), read
     * when the span ends.
     */
    private void refresh(Http2Headers headers) {
        if (callerNamed) {
            io.remora.route.RouteEntry route = decoder.route();
            routeTracing = route == null ? null : route.route().tracing();
        } else {
            operation = operation(headers);
        }
        if (zipkin != null) {
            if (zipkinLocalDecision) {
                sampled = decide(headers);
                recordTraceId();
                TraceContext.injectB3(headers, traceId, spanId, parentSpanId, sampled);
            }
        } else if (datadogTrace != null) {
            if (datadogTrace.localDecision()) {
                datadogTrace.override(decide(headers));
                sampled = datadogTrace.kept();
                recordTraceId();
                datadogTrace.inject(headers);
            }
        } else if (skyWalkingContext != null) {
            if (skyWalkingContext.localDecision()) {
                skyWalkingContext.sampled(decide(headers));
            }
        } else if (!datadog && skyWalking == null && !incomingDecided) {
            boolean local = decide(headers);
            if (sampler == null) {
                sampled = local;
            }
            recordTraceId();
            TraceContext.injectTraceparent(headers, traceId, spanId, sampled, traceState);
        }
        if (upstream != null) {
            upstream.routeTracing = routeTracing;
        }
        if (requestTags != null || sampled || reportsUnsampled) {
            requestTags = SpanTags.request(headers, config, routeTracing, decoder);
            if (datadogTrace != null) {
                datadogTrace.tag(requestTags);
            }
        }
    }

    /**
     * Zipkin reads and writes B3 only (W3C headers pass through); a sampling flag, with or
     * without ids, stands over the connection manager's decision. With shared_span_context the
     * proxy's server span takes the incoming span's id and parent, as Zipkin's server half of an
     * RPC span; otherwise it is the incoming span's child. Upstream sees the proxy's span.
     */
    private void startZipkin(Http2Headers headers) {
        TraceContext incoming = TraceContext.extractB3(headers);
        Boolean flag = TraceContext.zipkinSampled(headers);
        zipkinLocalDecision = flag == null && incoming == null;
        sampled = flag != null ? flag : decide(headers);
        if (incoming == null) {
            traceId = zipkin.traceId128() ? TraceContext.newTraceId() : TraceContext.newTraceId64();
            spanId = TraceContext.newSpanId();
            parentSpanId = null;
        } else if (zipkin.sharedSpanContext() && (!config.egress() || config.spawnUpstreamSpan())) {
            // Envoy's Zipkin tracer shares the caller's ids for a server span only: ingress, or any
            // request span once tries get spans of their own.
            traceId = incoming.traceId();
            spanId = incoming.spanId();
            parentSpanId = incoming.parentSpanId();
            shared = true;
        } else {
            traceId = incoming.traceId();
            spanId = TraceContext.newSpanId();
            parentSpanId = incoming.spanId();
        }
        TraceContext.injectB3(headers, traceId, spanId, parentSpanId, sampled);
        if (sampled) {
            requestTags = SpanTags.request(headers, config, routeTracing, decoder);
        }
    }

    /**
     * Envoy's Datadog tracer reports every span, a dropped one with its negative priority (the
     * agent counts it in its stats and drops it), so the tags are always built here.
     */
    private void startDatadog(Http2Headers headers) {
        datadogTrace = DatadogTrace.start(headers, () -> decide(headers), startEpochNanos);
        traceId = datadogTrace.traceId();
        spanId = datadogTrace.spanId();
        parentSpanId = datadogTrace.parentId();
        sampled = datadogTrace.kept();
        recordTraceId();
        datadogTrace.inject(headers);
        requestTags = SpanTags.request(headers, config, routeTracing, decoder);
        datadogTrace.tag(requestTags);
    }

    /** SkyWalking: the segment starts (or not, see {@link SkyWalkingContext#start}) and names its Exit span upstream. */
    private void startSkyWalking(Http2Headers headers) {
        skyWalkingContext = SkyWalkingContext.start(headers, skyWalking, () -> decide(headers));
        if (skyWalkingContext == null) {
            return;
        }
        sampled = true;
        traceId = skyWalkingContext.traceId();
        spanId = "0";
        recordTraceId();
        skyWalkingContext.inject(headers, config.spawnUpstreamSpan());
        requestTags = SpanTags.request(headers, config, routeTracing, decoder);
    }

    /**
     * Envoy's span naming: "ingress", or "egress" and the host; a route's decorator replaces it
     * (and an egress span sends it upstream, an ingress span back to the caller, unless the
     * decorator says not to); on ingress the caller's x-envoy-decorator-operation wins and goes
     * no further.
     */
    private String operation(Http2Headers headers) {
        io.remora.route.RouteEntry route = decoder == null ? null : decoder.route();
        routeTracing = route == null ? null : route.route().tracing();
        io.remora.config.Route.Decorator decorator = route == null ? null : route.route().decorator();
        String op = decorator != null ? decorator.operation()
                : config.egress() ? "egress " + (headers.authority() == null ? "" : headers.authority()) : "ingress";
        if (config.egress()) {
            if (decorator != null && decorator.propagate()) {
                headers.set(DECORATOR_OPERATION, op);
            }
        } else {
            returnOperation = decorator != null && decorator.propagate();
            CharSequence override = headers.get(DECORATOR_OPERATION);
            if (override != null) {
                if (override.length() > 0) {
                    op = override.toString();
                    returnOperation = false;
                    callerNamed = true;
                }
                headers.remove(DECORATOR_OPERATION);
            }
        }
        return op;
    }

    /** %TRACE_ID%: the span's trace id, sampled or not, as Envoy's active span reports it; traceable_filter's reason. */
    private void recordTraceId() {
        if (decoder != null && decoder.streamInfo() != null) {
            decoder.streamInfo().traceId(traceId);
            decoder.streamInfo().spanId(spanId);
            decoder.streamInfo().traceForced(sampled && forced);
            if (upstream == null) {
                upstream = new UpstreamSpans(config, sink, zipkin, reportsUnsampled || datadogTrace != null,
                        decoder.streamInfo());
                upstream.datadog = datadogTrace;
                upstream.skyWalking = skyWalkingContext;
                decoder.streamInfo().upstreamSpans(upstream);
            }
            upstream.traceId = traceId;
            upstream.spanId = spanId;
            upstream.parentSpanId = parentSpanId;
            upstream.traceState = traceState;
            upstream.sampled = sampled;
            upstream.routeTracing = routeTracing;
        }
    }

    /** The connection manager's decision (see {@link TraceSampling}); remembers a forced trace for the access log. */
    private boolean decide(Http2Headers h) {
        RequestIdTraceReason reason = TraceSampling.decide(h, config, routeTracing);
        forced = reason == RequestIdTraceReason.SERVICE_FORCED;
        return reason != RequestIdTraceReason.NOT_TRACEABLE;
    }

    @Override
    public FilterStatus decodeData(io.netty.buffer.ByteBuf data, boolean endStream) {
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus decodeTrailers(Http2Headers trailers) {
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus encodeHeaders(Http2Headers headers, boolean endStream) {
        grpcResponse(headers);
        // Envoy's: an ingress span tells the caller its operation; on egress the upstream's answer
        // names the span and goes no further.
        if (operation == null) {
            return FilterStatus.CONTINUE;
        }
        if (returnOperation) {
            headers.set(DECORATOR_OPERATION, operation);
        } else if (config.egress()) {
            CharSequence named = headers.get(DECORATOR_OPERATION);
            if (named != null) {
                if (named.length() > 0) {
                    operation = named.toString();
                }
                headers.remove(DECORATOR_OPERATION);
            }
        }
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus encodeTrailers(Http2Headers trailers) {
        grpcResponse(trailers);
        return FilterStatus.CONTINUE;
    }

    private void grpcResponse(Http2Headers headers) {
        if (requestTags != null) {
            if (grpcResponseTags == null) {
                grpcResponseTags = new java.util.LinkedHashMap<>();
            }
            GrpcSpanTags.response(headers, grpcResponseTags);
        }
    }

    @Override
    public void onDestroy() {
        if ((!sampled && datadogTrace == null && !reportsUnsampled) || requestTags == null) {
            return;
        }
        long end = System.currentTimeMillis() * 1_000_000L + System.nanoTime() % 1_000_000L;
        StreamInfo info = decoder.streamInfo();
        if (skyWalkingContext != null) {
            skyWalkingContext.upstreamHost(info.upstreamHost);
        }
        String cluster = info.upstreamCluster != null ? info.upstreamCluster : decoder.clusterName();
        Map<String, String> tags = SpanTags.finished(requestTags, info, cluster, decoder, config, routeTracing);
        if (grpcResponseTags != null) {
            tags.putAll(grpcResponseTags);
        }
        FinishedSpan span = new FinishedSpan(traceId, spanId, parentSpanId, operation,
                config.egress() && !(upstream != null && config.spawnUpstreamSpan()) ? FinishedSpan.Kind.CLIENT
                        : FinishedSpan.Kind.SERVER,
                startEpochNanos, Math.max(end, startEpochNanos), tags, "true".equals(tags.get("error")),
                traceState, shared, skyWalkingContext);
        if (skyWalkingContext == null || skyWalkingContext.entryFinished(span)) {
            sink.export(span);
        }
    }
}
