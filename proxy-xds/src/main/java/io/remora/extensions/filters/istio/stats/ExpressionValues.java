package io.remora.extensions.filters.istio.stats;

import dev.cel.runtime.CelVariableResolver;
import io.remora.extensions.cel.CelProgram;

import java.util.HashMap;
import java.util.Map;

/**
 * The values of a config's expressions (dimensions and custom metric values) for one stream or
 * connection, all evaluated at once as istio-proxy does: an HTTP stream's when it ends, a TCP
 * connection's when it is first reported (its later reports and its close reuse them).
 */
final class ExpressionValues {

    /** No expression, or nothing to evaluate them against: every tag {@code unknown}, every amount 0. */
    static final ExpressionValues NONE = new ExpressionValues(Map.of());

    /** Per expression, its printed value; absent when it failed. */
    private final Map<CelProgram, String> printed;

    private ExpressionValues(Map<CelProgram, String> printed) {
        this.printed = printed;
    }

    static ExpressionValues evaluate(StatsPluginSettings settings, CelVariableResolver attributes) {
        if (!settings.usesCel() || attributes == null) {
            return NONE;
        }
        Map<CelProgram, String> out = new HashMap<>();
        settings.dimensions().values().forEach(dims -> dims.values().forEach(p -> evaluate(p, attributes, out)));
        settings.definitions().forEach(d -> evaluate(d.value(), attributes, out));
        return new ExpressionValues(out);
    }

    private static void evaluate(CelProgram p, CelVariableResolver attributes, Map<CelProgram, String> out) {
        if (!out.containsKey(p)) {
            Object v = p.eval(attributes);
            out.put(p, v == null ? null : printed(v));
        }
    }

    /** Envoy's {@code Expr::print}, a double as absl's StrCat prints it (six significant digits, as %g). */
    private static String printed(Object v) {
        return v instanceof Double d ? sixDigits(d) : CelProgram.print(v);
    }

    static String sixDigits(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        if (d == 0) {
            return 1 / d < 0 ? "-0" : "0";
        }
        java.math.BigDecimal r = new java.math.BigDecimal(d).round(new java.math.MathContext(6));
        int exponent = r.precision() - r.scale() - 1;
        if (exponent < -4 || exponent >= 6) {
            String mantissa = r.movePointLeft(exponent).stripTrailingZeros().toPlainString();
            return mantissa + (exponent < 0 ? "e-" : "e+") + (Math.abs(exponent) < 10 ? "0" : "") + Math.abs(exponent);
        }
        return r.stripTrailingZeros().toPlainString();
    }

    /** A tag's value: the printed value, {@code unknown} when the expression failed. */
    String label(CelProgram p) {
        String v = printed.get(p);
        return v == null ? PeerLabels.UNKNOWN : v;
    }

    /**
     * A custom metric's amount as istio-proxy takes it: the printed value read as an unsigned
     * decimal (absl's SimpleAtoi), 0 when the expression failed or the text is not one (a
     * negative number, a fraction, a boolean).
     */
    long amount(CelProgram p) {
        String v = printed.get(p);
        if (v == null) {
            return 0;
        }
        String digits = v.strip();
        if (digits.startsWith("+")) {
            digits = digits.substring(1);
        }
        if (digits.isEmpty() || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return 0;
        }
        try {
            long amount = Long.parseUnsignedLong(digits);
            return amount < 0 ? Long.MAX_VALUE : amount;
        } catch (NumberFormatException tooLarge) {
            return 0;
        }
    }
}
