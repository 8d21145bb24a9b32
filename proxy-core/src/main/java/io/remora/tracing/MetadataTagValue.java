package io.remora.tracing;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.List;
import java.util.Map;

/**
 * A metadata value as a span tag, as Envoy's metadata custom tag writes it: strings as they are,
 * booleans as true/false, numbers in their shortest form (six significant digits), lists and
 * structures as JSON.
 */
final class MetadataTagValue {

    private MetadataTagValue() {
    }

    /** Null when there is no value (the tag's default applies). */
    static String of(Object v) {
        if (v == null) {
            return null;
        }
        if (v instanceof String s) {
            return s;
        }
        if (v instanceof Boolean b) {
            return b.toString();
        }
        if (v instanceof Number n) {
            double d = n.doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                return Double.toString(d);
            }
            if (d == Math.rint(d) && Math.abs(d) < 1e6) {
                return Long.toString((long) d);
            }
            return new BigDecimal(d).round(new MathContext(6)).stripTrailingZeros().toString();
        }
        if (v instanceof Map<?, ?> || v instanceof List<?>) {
            return io.remora.admin.Json.write(v);
        }
        return v.toString();
    }
}
