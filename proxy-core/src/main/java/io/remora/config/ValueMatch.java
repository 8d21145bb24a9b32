package io.remora.config;

import java.util.List;

/**
 * Envoy's {@code type.matcher.v3.ValueMatcher} over a metadata value (String, Boolean, Number,
 * List, Map, {@link #NULL} for a JSON null, or null when the path does not exist).
 */
public sealed interface ValueMatch {

    /** A present JSON null ({@code null_value}), as opposed to a missing value (Java null). */
    Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };

    boolean matches(Object value);

    /** {@code null_match}: only a present null. */
    record NullValue() implements ValueMatch {
        public boolean matches(Object v) {
            return v == NULL;
        }
    }

    /** {@code double_match}: {@code exact}, or {@code range} [start, end). */
    record DoubleValue(Double exact, double start, double end) implements ValueMatch {
        public boolean matches(Object v) {
            if (!(v instanceof Number n)) {
                return false;
            }
            double d = n.doubleValue();
            return exact != null ? d == exact : d >= start && d < end;
        }
    }

    record StringValue(StringMatcher matcher) implements ValueMatch {
        public boolean matches(Object v) {
            return v instanceof String s && matcher.matches(s);
        }
    }

    record BoolValue(boolean expected) implements ValueMatch {
        public boolean matches(Object v) {
            return v instanceof Boolean b && b == expected;
        }
    }

    /** {@code present_match}: true matches any value that exists; false matches nothing (Envoy). */
    record Present(boolean present) implements ValueMatch {
        public boolean matches(Object v) {
            return present && v != null;
        }
    }

    /** {@code list_match.one_of}: a list with at least one element that matches. */
    record ListOneOf(ValueMatch element) implements ValueMatch {
        public boolean matches(Object v) {
            if (v instanceof List<?> list) {
                for (Object e : list) {
                    if (element.matches(e == null ? NULL : e)) {
                        return true;
                    }
                }
            }
            return false;
        }
    }

    record AnyOf(List<ValueMatch> matchers) implements ValueMatch {
        public AnyOf {
            matchers = List.copyOf(matchers);
        }

        public boolean matches(Object v) {
            for (ValueMatch m : matchers) {
                if (m.matches(v)) {
                    return true;
                }
            }
            return false;
        }
    }
}
