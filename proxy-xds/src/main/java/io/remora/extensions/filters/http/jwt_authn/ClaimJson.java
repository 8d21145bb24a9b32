package io.remora.extensions.filters.http.jwt_authn;

import com.google.gson.JsonPrimitive;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A claim value as protobuf's JSON printer writes a {@code google.protobuf.Value}: compact, object
 * keys sorted (a Struct is a map), whole numbers without a fraction, since Envoy's header carries
 * that text and upstreams compare it.
 */
final class ClaimJson {

    private ClaimJson() {
    }

    static void write(Object value, StringBuilder out) {
        if (value instanceof Map<?, ?> m) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : new TreeMap<>(m).entrySet()) {
                out.append(first ? "" : ",").append(new JsonPrimitive(e.getKey().toString())).append(':');
                write(e.getValue(), out);
                first = false;
            }
            out.append('}');
        } else if (value instanceof List<?> l) {
            out.append('[');
            for (int i = 0; i < l.size(); i++) {
                out.append(i == 0 ? "" : ",");
                write(l.get(i), out);
            }
            out.append(']');
        } else if (value instanceof Double d) {
            out.append(d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 1e15
                    ? Long.toString(d.longValue()) : Double.toString(d));
        } else if (value instanceof String s) {
            out.append(new JsonPrimitive(s));
        } else {
            out.append(value); // Boolean, or null
        }
    }
}
