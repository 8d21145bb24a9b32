package io.remora.upstream.orca;

import java.util.List;

/**
 * The {@code JSON } form of {@code endpoint-load-metrics}: the proto3 JSON mapping of
 * {@code OrcaLoadReport} (camelCase or the proto's own field names, numbers or quoted numbers).
 * Unknown fields are skipped, as Envoy's loader does; malformed JSON gives no report.
 */
final class OrcaJson {
    private static final int MAX_DEPTH = 64;

    private final CharSequence s;
    private int i;

    private OrcaJson(CharSequence s, int from) {
        this.s = s;
        this.i = from;
    }

    static OrcaLoadReport parse(CharSequence v, int from, List<String> metricNames) {
        OrcaJson p = new OrcaJson(v, from);
        OrcaLoadReport r = new OrcaLoadReport(metricNames);
        try {
            p.report(r);
            p.space();
            return p.i == v.length() ? r : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private void report(OrcaLoadReport r) {
        members(key -> {
            String field = protoName(key);
            switch (field) {
                case "named_metrics", "utilization" -> members(k -> r.mapEntry(field, k, number()));
                case "cpu_utilization", "mem_utilization", "application_utilization", "eps", "rps_fractional" ->
                        OrcaHeaders.field(r, field, number());
                default -> skipValue(0);
            }
        });
    }

    /** An object: each member's value is read by {@code value}, given the member's name. */
    private void members(java.util.function.Consumer<String> value) {
        expect('{');
        if (peek() == '}') {
            i++;
            return;
        }
        do {
            String key = string();
            expect(':');
            value.accept(key);
        } while (comma('}'));
    }

    /** lowerCamelCase JSON names to the proto's snake_case ones. */
    private static String protoName(String key) {
        return switch (key) {
            case "cpuUtilization" -> "cpu_utilization";
            case "memUtilization" -> "mem_utilization";
            case "applicationUtilization" -> "application_utilization";
            case "rpsFractional" -> "rps_fractional";
            case "namedMetrics" -> "named_metrics";
            default -> key;
        };
    }

    private double number() {
        char c = peek();
        String text;
        if (c == '"') {
            text = string();
        } else {
            int start = i;
            while (i < s.length() && "+-.0123456789eE".indexOf(s.charAt(i)) >= 0) {
                i++;
            }
            text = s.subSequence(start, i).toString();
        }
        double d = OrcaHeaders.number(text);
        if (Double.isNaN(d)) {
            throw new IllegalArgumentException("not a number: " + text);
        }
        return d;
    }

    private String string() {
        expect('"');
        StringBuilder sb = new StringBuilder();
        while (i < s.length()) {
            char c = s.charAt(i++);
            if (c == '"') {
                return sb.toString();
            }
            if (c == '\\') {
                if (i >= s.length()) {
                    break;
                }
                char e = s.charAt(i++);
                switch (e) {
                    case 'n' -> sb.append('\n');
                    case 't' -> sb.append('\t');
                    case 'r' -> sb.append('\r');
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'u' -> {
                        if (i + 4 > s.length()) {
                            throw new IllegalArgumentException("bad escape");
                        }
                        sb.append((char) Integer.parseInt(s.subSequence(i, i + 4).toString(), 16));
                        i += 4;
                    }
                    default -> sb.append(e);
                }
            } else {
                sb.append(c);
            }
        }
        throw new IllegalArgumentException("unterminated string");
    }

    /**
     * Any JSON value, ignored. The upstream writes the header: nesting deeper than Envoy's own
     * JSON parser would take is refused rather than recursed into.
     */
    private void skipValue(int depth) {
        if (depth >= MAX_DEPTH) {
            throw new IllegalArgumentException("nested too deep");
        }
        char c = peek();
        if (c == '"') {
            string();
        } else if (c == '{' || c == '[') {
            char close = c == '{' ? '}' : ']';
            i++;
            if (peek() == close) {
                i++;
                return;
            }
            do {
                if (close == '}') {
                    string();
                    expect(':');
                }
                skipValue(depth + 1);
            } while (comma(close));
        } else {
            int start = i;
            while (i < s.length() && "{}[],: \t\r\n\"".indexOf(s.charAt(i)) < 0) {
                i++;
            }
            if (start == i) {
                throw new IllegalArgumentException("value expected");
            }
        }
    }

    /** After a member: true on ',', false on the closing character. */
    private boolean comma(char close) {
        char c = peek();
        i++;
        if (c == ',') {
            return true;
        }
        if (c == close) {
            return false;
        }
        throw new IllegalArgumentException("',' or '" + close + "' expected");
    }

    private void expect(char c) {
        if (peek() != c) {
            throw new IllegalArgumentException("'" + c + "' expected");
        }
        i++;
    }

    private char peek() {
        space();
        if (i >= s.length()) {
            throw new IllegalArgumentException("unexpected end");
        }
        return s.charAt(i);
    }

    private void space() {
        while (i < s.length() && " \t\r\n".indexOf(s.charAt(i)) >= 0) {
            i++;
        }
    }
}
