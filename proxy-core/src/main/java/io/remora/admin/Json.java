package io.remora.admin;

import static io.remora.util.JsonStrings.quote;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;

/** A small JSON writer for admin responses: maps, collections, strings, numbers, booleans, null. */
public final class Json {

    private Json() {
    }

    public static String write(Object value) {
        StringBuilder sb = new StringBuilder(256);
        write(sb, value);
        return sb.toString();
    }

    public static void write(StringBuilder sb, Object v) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof CharSequence s) {
            quote(sb, s.toString());
        } else if (v instanceof Boolean b) {
            sb.append(b.booleanValue());
        } else if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                sb.append("null");
            } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
                sb.append((long) d);
            } else {
                sb.append(d);
            }
        } else if (v instanceof Number n) {
            sb.append(n);
        } else if (v instanceof Duration d) {
            quote(sb, protoDuration(d)); // proto3 JSON Duration: "12s", "0.500s"
        } else if (v instanceof Map<?, ?> m) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                quote(sb, String.valueOf(e.getKey()));
                sb.append(':');
                write(sb, e.getValue());
            }
            sb.append('}');
        } else if (v instanceof Collection<?> c) {
            sb.append('[');
            boolean first = true;
            for (Object o : c) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                write(sb, o);
            }
            sb.append(']');
        } else if (v instanceof Enum<?> e) {
            quote(sb, e.name());
        } else {
            quote(sb, v.toString());
        }
    }

    static String protoDuration(Duration d) {
        long secs = d.getSeconds();
        int nanos = d.getNano();
        if (nanos == 0) {
            return secs + "s";
        }
        String frac = String.valueOf(1_000_000_000L + nanos).substring(1);
        frac = frac.endsWith("000000") ? frac.substring(0, 3) : frac.endsWith("000") ? frac.substring(0, 6) : frac;
        return secs + "." + frac + "s";
    }
}
