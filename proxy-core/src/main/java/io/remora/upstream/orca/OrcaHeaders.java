package io.remora.upstream.orca;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;

import java.util.List;

/**
 * Envoy's {@code parseOrcaLoadReportHeaders}: {@code endpoint-load-metrics-bin} (the legacy gRPC
 * header, base64 of the serialized proto) first, else {@code endpoint-load-metrics} whose prefix
 * says the form: {@code BIN }, {@code TEXT } (comma separated {@code name:value}, or
 * {@code name=value}) or {@code JSON } (the proto's JSON mapping). Any other prefix, or a
 * malformed report, gives no report.
 */
public final class OrcaHeaders {
    static final AsciiString HEADER = AsciiString.cached("endpoint-load-metrics");
    static final AsciiString HEADER_BIN = AsciiString.cached("endpoint-load-metrics-bin");

    private OrcaHeaders() {
    }

    /** True when the headers carry an ORCA header at all (cheap; no parsing). */
    public static boolean present(Http2Headers headers) {
        return headers.contains(HEADER) || headers.contains(HEADER_BIN);
    }

    /** The report the headers carry, or null (none, or not parseable). */
    public static OrcaLoadReport parse(Http2Headers headers, List<String> metricNames) {
        CharSequence bin = headers.get(HEADER_BIN);
        if (bin != null) {
            return OrcaBinary.parse(bin, 0, metricNames);
        }
        CharSequence v = headers.get(HEADER);
        return v == null ? null : parse(v, metricNames);
    }

    /** One {@code endpoint-load-metrics} value. */
    static OrcaLoadReport parse(CharSequence v, List<String> metricNames) {
        if (startsWith(v, "BIN ")) {
            return OrcaBinary.parse(v, 4, metricNames);
        }
        if (startsWith(v, "TEXT ")) {
            return text(v, 5, metricNames);
        }
        if (startsWith(v, "JSON ")) {
            return OrcaJson.parse(v, 5, metricNames);
        }
        return null;
    }

    private static boolean startsWith(CharSequence v, String prefix) {
        if (v.length() < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (v.charAt(i) != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The native HTTP form. As Envoy: an unknown metric name, an empty name or value, a value that
     * is no finite number, or a metric named twice rejects the whole report.
     */
    static OrcaLoadReport text(CharSequence v, int from, List<String> metricNames) {
        OrcaLoadReport r = new OrcaLoadReport(metricNames);
        int n = v.length();
        int i = from;
        while (i < n) {
            int end = i;
            while (end < n && v.charAt(end) != ',') {
                end++;
            }
            int s = skipSpace(v, i, end);
            int e = trimEnd(v, s, end);
            if (s < e) {
                int sep = s;
                while (sep < e && v.charAt(sep) != ':' && v.charAt(sep) != '=') {
                    sep++;
                }
                if (sep == s || sep >= e - 1) {
                    return null; // empty name or value
                }
                String name = v.subSequence(s, trimEnd(v, s, sep)).toString();
                double value = number(v.subSequence(skipSpace(v, sep + 1, e), e).toString());
                if (Double.isNaN(value) || duplicate(v, from, s, name)) {
                    return null;
                }
                if (!field(r, name, value)) {
                    return null;
                }
            }
            i = end + 1;
        }
        return r;
    }

    /** Sets a metric by its proto field name; false for a name Envoy does not know. */
    static boolean field(OrcaLoadReport r, String name, double value) {
        switch (name) {
            case "cpu_utilization" -> r.cpuUtilization = value;
            case "mem_utilization" -> r.memUtilization = value;
            case "application_utilization" -> r.applicationUtilization = value;
            case "eps" -> r.eps = value;
            case "rps_fractional" -> r.rpsFractional = value;
            default -> {
                if (name.startsWith("named_metrics.") && name.length() > "named_metrics.".length()) {
                    r.mapEntry("named_metrics", name.substring("named_metrics.".length()), value);
                } else if (name.startsWith("utilization.") && name.length() > "utilization.".length()) {
                    r.mapEntry("utilization", name.substring("utilization.".length()), value);
                } else {
                    return false;
                }
            }
        }
        return true;
    }

    /** Whether an entry before {@code upTo} already names this metric. */
    private static boolean duplicate(CharSequence v, int from, int upTo, String name) {
        int i = from;
        while (i < upTo) {
            int s = skipSpace(v, i, upTo);
            int sep = s;
            while (sep < upTo && v.charAt(sep) != ':' && v.charAt(sep) != '=' && v.charAt(sep) != ',') {
                sep++;
            }
            int e = trimEnd(v, s, sep);
            if (e - s == name.length() && name.contentEquals(v.subSequence(s, e))) {
                return true;
            }
            while (sep < upTo && v.charAt(sep) != ',') {
                sep++;
            }
            i = sep + 1;
        }
        return false;
    }

    /** A finite double, or NaN when the text is none. */
    static double number(String s) {
        try {
            double d = Double.parseDouble(s);
            return Double.isInfinite(d) ? Double.NaN : d;
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    private static int skipSpace(CharSequence v, int i, int end) {
        while (i < end && (v.charAt(i) == ' ' || v.charAt(i) == '\t')) {
            i++;
        }
        return i;
    }

    private static int trimEnd(CharSequence v, int start, int end) {
        while (end > start && (v.charAt(end - 1) == ' ' || v.charAt(end - 1) == '\t')) {
            end--;
        }
        return end;
    }
}
