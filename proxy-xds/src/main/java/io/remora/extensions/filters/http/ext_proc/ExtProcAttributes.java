package io.remora.extensions.filters.http.ext_proc;

import com.google.common.primitives.UnsignedLong;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.accesslog.StreamInfo;
import io.remora.config.NodeInfo;
import io.remora.extensions.cel.CelAttributes;
import io.remora.extensions.cel.CelEngine;
import io.remora.extensions.cel.CelProgram;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code request_attributes} / {@code response_attributes}: each name is a CEL expression over
 * Envoy's attributes (Envoy's ExpressionManager parses them as such), compiled once. Evaluated
 * into the Struct sent under {@code attributes["envoy.filters.http.ext_proc"]}: an expression
 * that fails (an unknown or absent attribute) is left out; values convert as Envoy's
 * evaluateAttributes does: booleans as booleans, integers as numbers, the rest as Envoy prints it.
 */
final class ExtProcAttributes {

    static final ExtProcAttributes NONE = new ExtProcAttributes(Map.of());

    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss")
            .withZone(ZoneOffset.UTC);

    /** Name → program, in configuration order; a repeated name is compiled once (a map in Envoy). */
    private final Map<String, CelProgram> programs;

    private ExtProcAttributes(Map<String, CelProgram> programs) {
        this.programs = programs;
    }

    /** A name that does not parse is a translation error at its index; one that cannot evaluate is warned. */
    static ExtProcAttributes compile(List<String> names, FieldPath path, TranslationContext ctx) {
        if (names.isEmpty()) {
            return NONE;
        }
        Map<String, CelProgram> m = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            if (!m.containsKey(name)) {
                m.put(name, CelEngine.compile(name, path.index(i), ctx));
            }
        }
        return new ExtProcAttributes(Map.copyOf(m));
    }

    boolean isEmpty() {
        return programs.isEmpty();
    }

    /** The attributes as the stream stands; {@code responseHeaders}: those being processed, or null. */
    Struct evaluate(StreamInfo info, NodeInfo node, Http2Headers responseHeaders) {
        CelAttributes a = new CelAttributes(info, node, responseHeaders);
        Struct.Builder s = Struct.newBuilder();
        for (Map.Entry<String, CelProgram> e : programs.entrySet()) {
            Object v = e.getValue().eval(a);
            if (v != null) {
                s.putFields(e.getKey(), value(v));
            }
        }
        return s.build();
    }

    static Value value(Object v) {
        if (v instanceof Boolean b) {
            return Value.newBuilder().setBoolValue(b).build();
        }
        if (v instanceof Long || v instanceof Integer) {
            return Value.newBuilder().setNumberValue(((Number) v).longValue()).build();
        }
        if (v instanceof UnsignedLong u) {
            return Value.newBuilder().setNumberValue(u.doubleValue()).build();
        }
        return Value.newBuilder().setStringValue(print(v)).build();
    }

    /** Envoy's Expr::print for what is not a boolean or an integer. */
    private static String print(Object v) {
        if (v instanceof Map<?, ?>) {
            return "map value";
        }
        if (v instanceof List<?>) {
            return "list value";
        }
        if (v instanceof Instant t) {
            return time(t);
        }
        if (v instanceof Duration d) {
            return duration(d);
        }
        return CelProgram.print(v);
    }

    /** absl::FormatTime in UTC (RFC 3339, fraction only as long as needed). */
    static String time(Instant t) {
        StringBuilder sb = new StringBuilder(SECONDS.format(t));
        fraction(sb, t.getNano(), 9);
        return sb.append("+00:00").toString();
    }

    /** absl::FormatDuration: {@code 1h2m3.5s}, or under a second {@code 150ms}, {@code 2.5us}, {@code 7ns}. */
    static String duration(Duration d) {
        if (d.isZero()) {
            return "0";
        }
        StringBuilder sb = new StringBuilder();
        if (d.isNegative()) {
            sb.append('-');
            d = d.negated();
        }
        if (d.compareTo(Duration.ofSeconds(1)) < 0) {
            long ns = d.toNanos();
            if (ns >= 1_000_000) {
                sb.append(ns / 1_000_000);
                fraction(sb, ns % 1_000_000, 6);
                return sb.append("ms").toString();
            }
            if (ns >= 1_000) {
                sb.append(ns / 1_000);
                fraction(sb, ns % 1_000, 3);
                return sb.append("us").toString();
            }
            return sb.append(ns).append("ns").toString();
        }
        long h = d.toHours();
        long m = d.toMinutesPart();
        if (h > 0) {
            sb.append(h).append('h');
        }
        if (m > 0) {
            sb.append(m).append('m');
        }
        if (d.toSecondsPart() > 0 || d.getNano() > 0) {
            sb.append(d.toSecondsPart());
            fraction(sb, d.getNano(), 9);
            sb.append('s');
        }
        return sb.toString();
    }

    /** Appends {@code .digits} of a {@code width}-digit fraction, trailing zeros dropped; nothing for zero. */
    private static void fraction(StringBuilder sb, long value, int width) {
        if (value == 0) {
            return;
        }
        String digits = Long.toString(value);
        sb.append('.');
        for (int i = digits.length(); i < width; i++) {
            sb.append('0');
        }
        int end = digits.length();
        while (digits.charAt(end - 1) == '0') {
            end--;
        }
        sb.append(digits, 0, end);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ExtProcAttributes a && a.programs.equals(programs);
    }

    @Override
    public int hashCode() {
        return programs.hashCode();
    }
}
