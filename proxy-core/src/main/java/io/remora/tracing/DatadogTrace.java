package io.remora.tracing;

import io.netty.handler.codec.http2.Http2Headers;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;

/**
 * The proxy's span in a Datadog trace, as Envoy's Datadog tracer (dd-trace-cpp) makes it: the
 * incoming trace continued (Datadog headers, then W3C) or a new one with a 128-bit id (the high
 * half's top 32 bits the start second, the root span's id the low half); an incoming sampling
 * priority stands, else the connection manager decides (traced: the default sampler keeps it,
 * priority 1, decision maker {@code -0}; not traced: user drop, -1). The span is always reported:
 * the agent drops it by its priority.
 */
final class DatadogTrace {

    /** Tags the exporter writes as numbers ({@code metrics}) rather than strings. */
    static final String SAMPLING_PRIORITY_METRIC = "_sampling_priority_v1";
    static final String AGENT_RATE_METRIC = "_dd.agent_psr";

    private static final String DECISION_MAKER = "_dd.p.dm";
    /** dd-trace-cpp's USER_KEEP and USER_DROP priorities, and its MANUAL mechanism as the decision maker. */
    private static final int USER_KEEP = 2;
    private static final int USER_DROP = -1;
    private static final String MANUAL = "-4";

    private final long traceHigh;
    private final long traceLow;
    private final long spanId;
    private final long parentId;
    private int priority;
    private boolean sampledLocally;
    /** No incoming priority: the connection manager's decision set it, and a refreshed one overrides it. */
    private final boolean localDecision;
    private boolean wroteTags;
    private final String origin;
    private final Map<String, String> traceTags;
    private final String datadogExtra;
    private final String otherVendors;
    /** Tags the local root span gets: extraction problems, {@code _dd.parent_id}. */
    private final Map<String, String> spanTags;

    private DatadogTrace(long traceHigh, long traceLow, long spanId, long parentId, int priority,
                         boolean sampledLocally, boolean localDecision, String origin, Map<String, String> traceTags,
                         String datadogExtra, String otherVendors, Map<String, String> spanTags) {
        this.traceHigh = traceHigh;
        this.traceLow = traceLow;
        this.spanId = spanId;
        this.parentId = parentId;
        this.priority = priority;
        this.sampledLocally = sampledLocally;
        this.localDecision = localDecision;
        this.origin = origin;
        this.traceTags = traceTags;
        this.datadogExtra = datadogExtra;
        this.otherVendors = otherVendors;
        this.spanTags = spanTags;
    }

    /** @param traced the connection manager's decision, asked only when the caller sent none */
    static DatadogTrace start(Http2Headers h, BooleanSupplier traced, long startEpochNanos) {
        Map<String, String> spanTags = new LinkedHashMap<>();
        DatadogExtractor.Context in = DatadogExtractor.extract(h, spanTags);
        Map<String, String> traceTags = in != null ? in.traceTags : new LinkedHashMap<>();
        long high;
        long low;
        long span;
        long parent;
        if (in == null) {
            spanTags.clear();
            high = (startEpochNanos / 1_000_000_000L) << 32;
            low = nonZero(ThreadLocalRandom.current().nextLong());
            span = low;
            parent = 0;
            traceTags.put(DatadogExtractor.TRACE_ID_HIGH, TraceContext.hex(high));
        } else {
            high = in.traceHigh;
            low = in.traceLow;
            span = newSpanId();
            parent = in.parentId;
        }
        Integer incoming = in == null ? null : in.priority;
        int priority;
        boolean local = false;
        if (incoming != null) {
            priority = incoming;
        } else if (traced.getAsBoolean()) {
            priority = 1;
            local = true;
            traceTags.put(DECISION_MAKER, "-0");
        } else {
            priority = -1;
            traceTags.remove(DECISION_MAKER);
        }
        return new DatadogTrace(high, low, span, parent, priority, local, incoming == null,
                in == null ? null : in.origin, traceTags, in == null ? null : in.datadogExtra,
                in == null ? null : in.otherVendors, spanTags);
    }

    /** A non-root span's id, as dd-trace-cpp's default generator makes them (63 random bits). */
    static long newSpanId() {
        return nonZero(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
    }

    private static long nonZero(long v) {
        return v != 0 ? v : 1;
    }

    String traceId() {
        return TraceContext.hex(traceHigh) + TraceContext.hex(traceLow);
    }

    String spanId() {
        return TraceContext.hex(spanId);
    }

    /** Null for a root span. */
    String parentId() {
        return parentId == 0 ? null : TraceContext.hex(parentId);
    }

    boolean kept() {
        return priority > 0;
    }

    /** The priority came from the connection manager's decision, not the caller (Envoy's useLocalDecision). */
    boolean localDecision() {
        return localDecision;
    }

    /**
     * Envoy's Datadog Span::setSampled, as the connection manager calls it when a route looked up
     * again decided again: dd-trace-cpp's override_sampling_priority, user keep (2) or user drop
     * (-1) with the manual mechanism as decision maker, whatever the first decision was.
     */
    void override(boolean traced) {
        priority = traced ? USER_KEEP : USER_DROP;
        sampledLocally = false;
        if (traced) {
            traceTags.put(DECISION_MAKER, MANUAL);
        } else {
            traceTags.remove(DECISION_MAKER);
        }
    }

    /**
     * dd-trace-cpp's default injection styles, datadog then tracecontext. An x-datadog-tags value
     * over 512 bytes is left out and the span says so.
     */
    void inject(Http2Headers h) {
        inject(h, spanId);
    }

    /** As {@link #inject(Http2Headers)}, naming the span {@code span} (a child's) as the parent upstream. */
    void inject(Http2Headers h, long span) {
        h.set(DatadogExtractor.TRACE_ID, Long.toUnsignedString(traceLow));
        h.set(DatadogExtractor.PARENT_ID, Long.toUnsignedString(span));
        h.set(DatadogExtractor.SAMPLING_PRIORITY, Integer.toString(priority));
        if (origin != null) {
            h.set(DatadogExtractor.ORIGIN, origin);
        }
        if (!traceTags.isEmpty()) {
            StringBuilder b = new StringBuilder(64);
            traceTags.forEach((k, v) -> b.append(b.length() > 0 ? "," : "").append(k).append('=').append(v));
            if (b.length() > DatadogExtractor.MAX_TAGS_SIZE) {
                spanTags.put(DatadogExtractor.PROPAGATION_ERROR, "inject_max_size");
            } else {
                h.set(DatadogExtractor.TAGS, b.toString());
                wroteTags = true;
            }
        } else if (wroteTags) {
            // Only what an earlier injection of this span wrote is taken back; a caller's header stays.
            h.remove(DatadogExtractor.TAGS);
        }
        h.set(TraceContext.TRACEPARENT, "00-" + traceId() + "-" + TraceContext.hex(span) + (priority > 0 ? "-01" : "-00"));
        h.set(TraceContext.TRACESTATE, DatadogTraceState.write(span, priority, origin, traceTags, datadogExtra,
                otherVendors));
    }

    /** The local root span's own tags: the trace's tags, the origin and the sampling decision. */
    void tag(Map<String, String> tags) {
        tags.putAll(spanTags);
        traceTags.forEach(tags::putIfAbsent);
        if (origin != null) {
            tags.put("_dd.origin", origin);
        }
        tags.put(SAMPLING_PRIORITY_METRIC, Integer.toString(priority));
        if (sampledLocally) {
            // The default sampler's rate until the agent sends rates (which Remora does not read).
            tags.put(AGENT_RATE_METRIC, "1");
        }
    }
}
