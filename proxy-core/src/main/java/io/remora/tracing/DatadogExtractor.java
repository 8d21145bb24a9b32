package io.remora.tracing;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads an incoming Datadog trace as dd-trace-cpp (Envoy's Datadog tracer) does with its default
 * extraction styles, {@code datadog} then {@code tracecontext}: the first style carrying a trace id
 * gives the context; a W3C context of the same trace adds its tracestate, and its parent wins (the
 * Datadog parent kept in {@code _dd.parent_id}). Malformed ids or a trace without a parent (and no
 * origin) start a new trace, as there.
 */
final class DatadogExtractor {

    static final AsciiString TRACE_ID = AsciiString.cached("x-datadog-trace-id");
    static final AsciiString PARENT_ID = AsciiString.cached("x-datadog-parent-id");
    static final AsciiString SAMPLING_PRIORITY = AsciiString.cached("x-datadog-sampling-priority");
    static final AsciiString ORIGIN = AsciiString.cached("x-datadog-origin");
    static final AsciiString TAGS = AsciiString.cached("x-datadog-tags");
    /** dd-trace-cpp's bound on x-datadog-tags and on tracestate's dd member, both ways. */
    static final int MAX_TAGS_SIZE = 512;
    static final String TRACE_ID_HIGH = "_dd.p.tid";
    static final String PROPAGATION_ERROR = "_dd.propagation_error";
    private static final String NO_PARENT = "0000000000000000";

    private DatadogExtractor() {
    }

    /** One style's view of the incoming trace. */
    static final class Context {
        long traceHigh;
        long traceLow;
        boolean hasTraceId;
        Long parentId;
        Integer priority;
        String origin;
        /** Propagated {@code _dd.p.*} tags, in their order. */
        final Map<String, String> traceTags = new LinkedHashMap<>();
        /** tracestate's {@code dd} member {@code p:}, the last Datadog span of the trace. */
        String datadogParentId;
        /** Unknown keys of tracestate's {@code dd} member, passed on. */
        String datadogExtra;
        /** The other vendors' tracestate members, passed on. */
        String otherVendors;
    }

    private static final class Malformed extends Exception {
        Malformed() {
            super(null, null, false, false);
        }
    }

    /**
     * The incoming context, or null for none (or a malformed one): a new trace starts.
     *
     * @param spanTags receives extraction problems ({@code _dd.propagation_error}, {@code _dd.w3c_extraction_error})
     */
    static Context extract(Http2Headers h, Map<String, String> spanTags) {
        Context dd;
        try {
            dd = datadog(h, spanTags);
        } catch (Malformed e) {
            return null;
        }
        Context w3c = w3c(h, spanTags);
        Context main = dd.hasTraceId ? dd : w3c != null && w3c.hasTraceId ? w3c : null;
        if (main == null) {
            return null;
        }
        if (main == dd && w3c != null && w3c.traceHigh == dd.traceHigh && w3c.traceLow == dd.traceLow) {
            dd.otherVendors = w3c.otherVendors;
            dd.datadogExtra = w3c.datadogExtra;
            if (!w3c.parentId.equals(dd.parentId)) {
                dd.datadogParentId = w3c.datadogParentId != null && !w3c.datadogParentId.equals(NO_PARENT)
                        ? w3c.datadogParentId : dd.parentId != null ? TraceContext.hex(dd.parentId) : null;
                dd.parentId = w3c.parentId;
            }
        }
        if (main.parentId == null) {
            if (main.origin == null) {
                return null;
            }
            // A trace started elsewhere without a span (Synthetics): this span is its root.
            main.parentId = 0L;
        }
        if (main.traceHigh == 0 && main.traceLow == 0) {
            return null;
        }
        if (main.datadogParentId != null) {
            spanTags.put("_dd.parent_id", main.datadogParentId);
        }
        String ts = main.traceTags.remove("_dd.p.ts");
        if (ts != null) {
            spanTags.put("_dd.p.ts", ts);
        }
        if (main.traceHigh != 0) {
            String high = TraceContext.hex(main.traceHigh);
            String tid = main.traceTags.get(TRACE_ID_HIGH);
            if (tid != null && !tid.equals(high)) {
                spanTags.put(PROPAGATION_ERROR, (parseHex(tid) == null ? "malformed_tid " : "inconsistent_tid ") + tid);
            }
            main.traceTags.put(TRACE_ID_HIGH, high);
        }
        return main;
    }

    private static Context datadog(Http2Headers h, Map<String, String> spanTags) throws Malformed {
        Context c = new Context();
        CharSequence traceId = h.get(TRACE_ID);
        if (traceId != null) {
            c.traceLow = parseDecimal(traceId);
            c.hasTraceId = true;
        }
        CharSequence parentId = h.get(PARENT_ID);
        if (parentId != null) {
            c.parentId = parseDecimal(parentId);
        }
        CharSequence priority = h.get(SAMPLING_PRIORITY);
        if (priority != null) {
            try {
                c.priority = Integer.parseInt(priority.toString().trim());
            } catch (NumberFormatException e) {
                throw new Malformed();
            }
        }
        CharSequence origin = h.get(ORIGIN);
        if (origin != null) {
            c.origin = origin.toString();
        }
        CharSequence tags = h.get(TAGS);
        if (tags != null) {
            if (tags.length() > MAX_TAGS_SIZE) {
                spanTags.put(PROPAGATION_ERROR, "extract_max_size");
            } else {
                traceTags(tags.toString(), c, spanTags);
            }
        }
        return c;
    }

    /** x-datadog-tags: {@code k=v,...}; only {@code _dd.p.*} propagate, {@code _dd.p.tid} holds the id's high half. */
    private static void traceTags(String header, Context c, Map<String, String> spanTags) {
        Map<String, String> decoded = new LinkedHashMap<>();
        if (!header.isEmpty()) {
            for (String entry : header.split(",", -1)) {
                int eq = entry.indexOf('=');
                if (eq < 0) {
                    spanTags.put(PROPAGATION_ERROR, "decoding_error");
                    return;
                }
                decoded.put(entry.substring(0, eq), entry.substring(eq + 1));
            }
        }
        decoded.forEach((k, v) -> {
            if (!k.startsWith("_dd.p.")) {
                return;
            }
            if (k.equals(TRACE_ID_HIGH)) {
                Long high = v.length() == 16 ? parseHex(v) : null;
                if (high == null) {
                    spanTags.put(PROPAGATION_ERROR, "malformed_tid " + v);
                    return;
                }
                if (c.hasTraceId) {
                    c.traceHigh = high;
                }
            }
            c.traceTags.put(k, v);
        });
    }

    /** traceparent and tracestate; null without a valid traceparent. */
    private static Context w3c(Http2Headers h, Map<String, String> spanTags) {
        CharSequence tp = h.get(TraceContext.TRACEPARENT);
        if (tp == null) {
            return null;
        }
        TraceContext parsed = TraceContext.parseTraceparent(tp.toString().trim());
        if (parsed == null) {
            spanTags.put("_dd.w3c_extraction_error", "malformed_traceparent");
            return null;
        }
        Context c = new Context();
        c.traceHigh = Long.parseUnsignedLong(parsed.traceId().substring(0, 16), 16);
        c.traceLow = Long.parseUnsignedLong(parsed.traceId().substring(16), 16);
        c.hasTraceId = true;
        c.parentId = Long.parseUnsignedLong(parsed.spanId(), 16);
        c.priority = parsed.sampled() ? 1 : 0;
        c.datadogParentId = NO_PARENT;
        CharSequence ts = h.get(TraceContext.TRACESTATE);
        if (ts != null) {
            DatadogTraceState.read(ts.toString().trim(), c, spanTags);
        }
        return c;
    }

    private static long parseDecimal(CharSequence v) throws Malformed {
        try {
            return Long.parseUnsignedLong(v.toString().trim());
        } catch (NumberFormatException e) {
            throw new Malformed();
        }
    }

    static Long parseHex(String v) {
        try {
            return Long.parseUnsignedLong(v, 16);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
