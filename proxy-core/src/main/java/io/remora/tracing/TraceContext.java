package io.remora.tracing;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;

import java.util.concurrent.ThreadLocalRandom;

/**
 * A span's place in a trace as the headers carry it: W3C {@code traceparent}/{@code tracestate}
 * or B3 ({@code x-b3-*} headers, or the single {@code b3} header). Ids are lower-case hex: 32
 * digits for the trace (a 64-bit B3 id is left-padded), 16 for spans.
 *
 * @param sampled null when the headers carry no decision (B3 without x-b3-sampled)
 * @param format  the headers it came from
 */
public record TraceContext(String traceId, String spanId, String parentSpanId, Boolean sampled, String traceState,
                           Format format) {

    public enum Format { W3C, B3 }

    public static final AsciiString TRACEPARENT = AsciiString.cached("traceparent");
    public static final AsciiString TRACESTATE = AsciiString.cached("tracestate");
    public static final AsciiString B3 = AsciiString.cached("b3");
    public static final AsciiString B3_TRACE_ID = AsciiString.cached("x-b3-traceid");
    public static final AsciiString B3_SPAN_ID = AsciiString.cached("x-b3-spanid");
    public static final AsciiString B3_PARENT_SPAN_ID = AsciiString.cached("x-b3-parentspanid");
    public static final AsciiString B3_SAMPLED = AsciiString.cached("x-b3-sampled");
    public static final AsciiString B3_FLAGS = AsciiString.cached("x-b3-flags");

    /**
     * The incoming {@code traceparent} as Envoy's OpenTelemetry and Fluentd tracers read it
     * (SpanContextExtractor): exactly 55 characters, four hex fields of 2, 32, 16 and 2 digits
     * (any version), ids not all zero; every {@code tracestate} header joined by commas. Null when
     * the header is missing or invalid: the caller tells the two apart, Envoy starting no span at
     * all for an invalid one.
     */
    public static TraceContext extractTraceparent(Http2Headers h) {
        CharSequence tp = h.get(TRACEPARENT);
        if (tp == null || tp.length() != 55) {
            return null;
        }
        String v = tp.toString();
        if (v.charAt(2) != '-' || v.charAt(35) != '-' || v.charAt(52) != '-' || !isHex(v.substring(0, 2), 2)
                || !isHex(v.substring(53), 2)) {
            return null;
        }
        String traceId = v.substring(3, 35).toLowerCase(java.util.Locale.ROOT);
        String spanId = v.substring(36, 52).toLowerCase(java.util.Locale.ROOT);
        if (!isHex(traceId, 32) || !isHex(spanId, 16) || allZero(traceId) || allZero(spanId)) {
            return null;
        }
        boolean sampled = (Integer.parseInt(v.substring(53), 16) & 1) == 1;
        java.util.List<CharSequence> states = h.getAll(TRACESTATE);
        String traceState = states.isEmpty() ? null : String.join(",", states);
        return new TraceContext(traceId, spanId, null, sampled, traceState, Format.W3C);
    }

    /** B3 only (Zipkin's propagation): the single {@code b3} header, else {@code x-b3-*}. */
    public static TraceContext extractB3(Http2Headers h) {
        CharSequence single = h.get(B3);
        if (single != null) {
            TraceContext c = parseB3Single(single.toString().trim());
            if (c != null) {
                return c;
            }
        }
        CharSequence traceId = h.get(B3_TRACE_ID);
        CharSequence spanId = h.get(B3_SPAN_ID);
        if (traceId != null && spanId != null) {
            String t = normalizeTraceId(traceId.toString().trim());
            String s = spanId.toString().trim().toLowerCase(java.util.Locale.ROOT);
            if (t != null && isHex(s, 16) && !allZero(s)) {
                CharSequence p = h.get(B3_PARENT_SPAN_ID);
                return new TraceContext(t, s, p == null ? null : p.toString().trim(), b3Sampled(h), null, Format.B3);
            }
        }
        return null;
    }

    /** {@code 00-<32 hex>-<16 hex>-<2 hex>}; other versions are read by the same layout, as W3C asks. */
    static TraceContext parseTraceparent(String v) {
        String[] parts = v.split("-");
        if (parts.length < 4 || !isHex(parts[0], 2) || parts[0].equals("ff") || (parts[0].equals("00") && parts.length != 4)) {
            return null;
        }
        String traceId = parts[1].toLowerCase(java.util.Locale.ROOT);
        String spanId = parts[2].toLowerCase(java.util.Locale.ROOT);
        if (!isHex(traceId, 32) || !isHex(spanId, 16) || !isHex(parts[3], 2) || allZero(traceId) || allZero(spanId)) {
            return null;
        }
        boolean sampled = (Integer.parseInt(parts[3], 16) & 1) == 1;
        return new TraceContext(traceId, spanId, null, sampled, null, Format.W3C);
    }

    /** {@code b3: <traceid>-<spanid>[-<sampled>[-<parentspanid>]]}, or just a sampling state. */
    static TraceContext parseB3Single(String v) {
        String[] parts = v.split("-");
        if (parts.length < 2) {
            return null;
        }
        String t = normalizeTraceId(parts[0]);
        String s = parts[1].toLowerCase(java.util.Locale.ROOT);
        if (t == null || !isHex(s, 16) || allZero(s)) {
            return null;
        }
        Boolean sampled = null;
        if (parts.length >= 3) {
            sampled = switch (parts[2]) {
                case "1", "d" -> Boolean.TRUE;
                case "0" -> Boolean.FALSE;
                default -> null;
            };
        }
        return new TraceContext(t, s, parts.length >= 4 ? parts[3] : null, sampled, null, Format.B3);
    }

    /**
     * Zipkin's sampling state as Envoy's Zipkin extractor reads it (extractSampled), with or
     * without ids: the {@code b3} header's flag at its place for the header's length (a lone
     * {@code 0}, {@code 1} or {@code d}, or after the ids), else {@code x-b3-sampled} ({@code 1} or
     * {@code true} samples, anything else does not); null when neither says.
     */
    static Boolean zipkinSampled(Http2Headers h) {
        CharSequence single = h.get(B3);
        if (single != null) {
            int at = switch (single.length()) {
                case 1 -> 0;
                case 35, 52 -> 34;
                case 51, 68 -> 50;
                default -> -1;
            };
            char flag = at < 0 ? 'x' : single.charAt(at);
            return flag == '0' ? Boolean.FALSE : flag == '1' || flag == 'd' ? Boolean.TRUE : null;
        }
        CharSequence s = h.get(B3_SAMPLED);
        if (s == null) {
            return null;
        }
        return AsciiString.contentEquals(s, "1") || AsciiString.contentEquals(s, "true");
    }

    private static Boolean b3Sampled(Http2Headers h) {
        CharSequence flags = h.get(B3_FLAGS);
        if (flags != null && flags.toString().trim().equals("1")) {
            return Boolean.TRUE; // debug
        }
        CharSequence s = h.get(B3_SAMPLED);
        if (s == null) {
            return null;
        }
        String v = s.toString().trim();
        return v.equals("1") || v.equalsIgnoreCase("true") ? Boolean.TRUE
                : v.equals("0") || v.equalsIgnoreCase("false") ? Boolean.FALSE : null;
    }

    private static String normalizeTraceId(String id) {
        String t = id.toLowerCase(java.util.Locale.ROOT);
        if (isHex(t, 16)) {
            t = "0000000000000000" + t;
        }
        return isHex(t, 32) && !allZero(t) ? t : null;
    }

    /**
     * The context the proxy's own span gives the upstream request in {@code traceparent}: same
     * trace, this span's id as the parent, the decision made here; {@code tracestate} passes
     * through.
     */
    public static void injectTraceparent(Http2Headers h, String traceId, String spanId, boolean sampled,
                                         String traceState) {
        h.set(TRACEPARENT, "00-" + traceId + "-" + spanId + (sampled ? "-01" : "-00"));
        if (traceState != null && !traceState.isEmpty()) {
            h.set(TRACESTATE, traceState);
        }
    }

    /**
     * Replaces the sampling decision in whichever of the context headers {@code h} carries (W3C,
     * single or multi-header B3), keeping their ids: a copy of a request that must be traced
     * differently from it (a mirror's {@code trace_sampled}).
     */
    public static void overrideSampled(Http2Headers h, boolean sampled) {
        CharSequence tp = h.get(TRACEPARENT);
        TraceContext w3c = tp == null ? null : parseTraceparent(tp.toString().trim());
        if (w3c != null) {
            h.set(TRACEPARENT, "00-" + w3c.traceId + "-" + w3c.spanId + (sampled ? "-01" : "-00"));
        }
        CharSequence single = h.get(B3);
        if (single != null && parseB3Single(single.toString().trim()) != null) {
            String[] parts = single.toString().trim().split("-");
            StringBuilder v = new StringBuilder(parts[0]).append('-').append(parts[1]).append(sampled ? "-1" : "-0");
            for (int i = 3; i < parts.length; i++) {
                v.append('-').append(parts[i]);
            }
            h.set(B3, v.toString());
        }
        if (h.contains(B3_TRACE_ID) || h.contains(B3_SAMPLED)) {
            h.set(B3_SAMPLED, sampled ? "1" : "0");
            h.remove(B3_FLAGS); // debug would force sampling
        }
    }

    /**
     * Zipkin's injection: the span's context in the {@code x-b3-*} headers (a trace id whose upper
     * half is zero is written as 16 digits, as Zipkin writes 64-bit ids).
     */
    public static void injectB3(Http2Headers h, String traceId, String spanId, String parentSpanId, boolean sampled) {
        h.set(B3_TRACE_ID, traceId.startsWith("0000000000000000") ? traceId.substring(16) : traceId);
        h.set(B3_SPAN_ID, spanId);
        if (parentSpanId != null) {
            h.set(B3_PARENT_SPAN_ID, parentSpanId);
        } else {
            h.remove(B3_PARENT_SPAN_ID);
        }
        h.set(B3_SAMPLED, sampled ? "1" : "0");
    }

    /** A 64-bit trace id, left-padded to 32 digits. */
    public static String newTraceId64() {
        return "0000000000000000" + hex(nonZero(ThreadLocalRandom.current()));
    }

    public static String newTraceId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return hex(r.nextLong()) + hex(nonZero(r));
    }

    public static String newSpanId() {
        return hex(nonZero(ThreadLocalRandom.current()));
    }

    private static long nonZero(ThreadLocalRandom r) {
        long v;
        do {
            v = r.nextLong();
        } while (v == 0);
        return v;
    }

    static String hex(long v) {
        String s = Long.toHexString(v);
        return "0".repeat(16 - s.length()) + s;
    }

    private static boolean isHex(String s, int len) {
        if (s.length() != len) {
            return false;
        }
        for (int i = 0; i < len; i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
                return false;
            }
        }
        return true;
    }

    private static boolean allZero(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) != '0') {
                return false;
            }
        }
        return true;
    }
}
