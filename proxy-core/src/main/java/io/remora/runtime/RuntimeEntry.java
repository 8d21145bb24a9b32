package io.remora.runtime;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One runtime value as Envoy stores it: the raw string plus what it parses as, resolved once when
 * the layer loads (Envoy's {@code SnapshotImpl::Entry}). Absent interpretations are null.
 */
public record RuntimeEntry(String raw, Long uintValue, Double doubleValue, Boolean boolValue,
                           FractionalPercent fractionValue) {

    /** absl::SimpleAtod's decimal forms; Java's parser alone would also take "1d" or hex floats. */
    private static final Pattern NUMBER = Pattern.compile(
            "[+-]?(?:(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?|inf|infinity|nan)", Pattern.CASE_INSENSITIVE);
    private static final Pattern UINT = Pattern.compile("\\+?\\d+");
    private static final double TWO_TO_64 = 18446744073709551616.0;

    /** Parses a string value (disk files, the admin layer, static string values) as Envoy does. */
    public static RuntimeEntry parse(String raw) {
        String s = raw.strip();
        Boolean bool = null;
        Long uint = null;
        Double dbl = null;
        if (UINT.matcher(s).matches()) {
            // An integer is a boolean too (non-zero is true) and still parses as a number below.
            bool = !s.chars().allMatch(c -> c == '0' || c == '+');
        } else if (s.equalsIgnoreCase("true")) {
            return new RuntimeEntry(raw, null, null, true, null);
        } else if (s.equalsIgnoreCase("false")) {
            return new RuntimeEntry(raw, null, null, false, null);
        }
        if (NUMBER.matcher(s).matches()) {
            dbl = parseDouble(s);
            uint = toUint(dbl);
        }
        return new RuntimeEntry(raw, uint, dbl, bool, uint == null && dbl == null ? parseFraction(s) : null);
    }

    /** A JSON/YAML number of a static layer. */
    public static RuntimeEntry ofNumber(double v) {
        String raw = v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
        return parse(raw);
    }

    /** A JSON/YAML boolean of a static layer. */
    public static RuntimeEntry ofBoolean(boolean v) {
        return new RuntimeEntry(Boolean.toString(v), null, null, v, null);
    }

    /** A {@code {numerator, denominator}} object of a static layer. */
    public static RuntimeEntry ofFraction(FractionalPercent f) {
        String raw = "{\"numerator\":" + f.numerator() + ",\"denominator\":\"" + f.denominator().name() + "\"}";
        return new RuntimeEntry(raw, null, null, null, f);
    }

    private static double parseDouble(String s) {
        String l = s.toLowerCase(Locale.ROOT);
        String unsigned = l.startsWith("+") || l.startsWith("-") ? l.substring(1) : l;
        boolean negative = l.startsWith("-");
        if (unsigned.startsWith("inf")) {
            return negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        if (unsigned.equals("nan")) {
            return Double.NaN;
        }
        return Double.parseDouble(s);
    }

    private static Long toUint(double d) {
        // Envoy assigns the (floored) double to the uint when it lies in [0, 2^64].
        if (!(d >= 0 && d <= TWO_TO_64)) {
            return null;
        }
        return d >= 0x1p63 ? Long.MAX_VALUE : (long) d;
    }

    /**
     * A FractionalPercent written as YAML or JSON text ({@code numerator: 5, denominator: MILLION});
     * anything else is not one.
     */
    static FractionalPercent parseFraction(String s) {
        String body = s.strip();
        if (body.startsWith("{") && body.endsWith("}")) {
            body = body.substring(1, body.length() - 1);
        }
        if (body.isBlank()) {
            return null;
        }
        Long numerator = null;
        FractionalPercent.Denominator denominator = FractionalPercent.Denominator.HUNDRED;
        for (String part : body.split("[,\\n]")) {
            if (part.isBlank()) {
                continue;
            }
            int colon = part.indexOf(':');
            if (colon < 0) {
                return null;
            }
            String key = unquote(part.substring(0, colon));
            String value = unquote(part.substring(colon + 1));
            try {
                if (key.equals("numerator")) {
                    numerator = Long.parseLong(value);
                    if (numerator < 0 || numerator > 0xFFFFFFFFL) {
                        return null;
                    }
                } else if (key.equals("denominator")) {
                    denominator = switch (value) {
                        case "HUNDRED", "0" -> FractionalPercent.Denominator.HUNDRED;
                        case "TEN_THOUSAND", "1" -> FractionalPercent.Denominator.TEN_THOUSAND;
                        case "MILLION", "2" -> FractionalPercent.Denominator.MILLION;
                        default -> throw new NumberFormatException(value);
                    };
                } else {
                    return null;
                }
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return new FractionalPercent(numerator == null ? 0 : numerator, denominator);
    }

    private static String unquote(String s) {
        String t = s.strip();
        if (t.length() >= 2 && (t.charAt(0) == '"' || t.charAt(0) == '\'') && t.charAt(t.length() - 1) == t.charAt(0)) {
            return t.substring(1, t.length() - 1);
        }
        return t;
    }
}
