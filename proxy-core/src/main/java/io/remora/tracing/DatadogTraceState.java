package io.remora.tracing;

import java.util.Map;

/**
 * W3C tracestate's {@code dd} member, as dd-trace-cpp reads and writes it:
 * {@code dd=s:<priority>;p:<span id>;o:<origin>;t.<tag>:<value>...}, where {@code t.x} is the
 * propagated tag {@code _dd.p.x} and '=' travels as '~'. Other vendors' members pass through after it.
 */
final class DatadogTraceState {

    /** dd-trace-cpp cuts its own member to this length, dropping whole fields from the end. */
    private static final int MAX_MEMBER = 256;

    private DatadogTraceState() {
    }

    /** Fills {@code c} from the header: the dd member's fields, and the other members to pass on. */
    static void read(String tracestate, DatadogExtractor.Context c, Map<String, String> spanTags) {
        if (tracestate.isEmpty()) {
            return;
        }
        String[] members = tracestate.split(",", -1);
        int dd = -1;
        for (int i = 0; i < members.length && dd < 0; i++) {
            String m = members[i].trim();
            int eq = m.indexOf('=');
            if (eq >= 0 && m.substring(0, eq).equals("dd")) {
                dd = i;
            }
        }
        if (dd < 0) {
            c.otherVendors = tracestate;
            return;
        }
        StringBuilder others = new StringBuilder();
        for (int i = 0; i < members.length; i++) {
            if (i != dd) {
                others.append(others.length() > 0 ? "," : "").append(members[i]);
            }
        }
        if (!others.toString().isBlank()) {
            c.otherVendors = others.toString();
        }
        String m = members[dd].trim();
        String value = m.substring(m.indexOf('=') + 1);
        if (value.length() > DatadogExtractor.MAX_TAGS_SIZE) {
            spanTags.put(DatadogExtractor.PROPAGATION_ERROR, "extract_max_size");
            return;
        }
        for (String field : value.split(";")) {
            int colon = field.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String k = field.substring(0, colon);
            String v = field.substring(colon + 1);
            switch (k) {
                case "o" -> c.origin = v.replace('~', '=');
                case "s" -> priority(v, c);
                case "p" -> c.datadogParentId = v;
                case "ts" -> c.traceTags.put("_dd.p.ts", v);
                default -> {
                    if (k.startsWith("t.")) {
                        c.traceTags.put("_dd.p." + k.substring(2), v.replace('~', '='));
                    } else {
                        c.datadogExtra = c.datadogExtra == null ? field : c.datadogExtra + ";" + field;
                    }
                }
            }
        }
    }

    /** {@code s:} wins unless it contradicts traceparent's sampled flag. */
    private static void priority(String v, DatadogExtractor.Context c) {
        try {
            int p = Integer.parseInt(v);
            if (c.priority == null || (c.priority > 0) == (p > 0)) {
                c.priority = p;
            }
        } catch (NumberFormatException e) {
            // ignored, as dd-trace-cpp does
        }
    }

    /** The outgoing tracestate: this span's dd member, then the other vendors' members. */
    static String write(long spanId, int priority, String origin, Map<String, String> traceTags, String datadogExtra,
                        String otherVendors) {
        StringBuilder b = new StringBuilder(96).append("dd=s:").append(priority).append(";p:")
                .append(TraceContext.hex(spanId));
        if (origin != null) {
            b.append(";o:").append(sanitize(origin, ",;~").replace('=', '~'));
        }
        for (Map.Entry<String, String> t : traceTags.entrySet()) {
            if (!t.getKey().startsWith("_dd.p.") || t.getKey().equals(DatadogExtractor.TRACE_ID_HIGH)) {
                continue;
            }
            b.append(";t.").append(sanitize(t.getKey().substring(6), " ,;=")).append(':')
                    .append(sanitize(t.getValue(), ",;~").replace('=', '~'));
        }
        if (datadogExtra != null) {
            b.append(';').append(datadogExtra);
        }
        while (b.length() > MAX_MEMBER) {
            b.setLength(b.lastIndexOf(";"));
        }
        if (otherVendors != null) {
            b.append(',').append(otherVendors);
        }
        return b.toString();
    }

    /** Characters outside printable ASCII, or among {@code banned}, become '_'. */
    private static String sanitize(String s, String banned) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            b.append(ch < 0x20 || ch > 0x7e || banned.indexOf(ch) >= 0 ? '_' : ch);
        }
        return b.toString();
    }
}
