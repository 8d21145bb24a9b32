package io.remora.config;

import com.google.re2j.Pattern;

/**
 * {@code type.matcher.v3.StringMatcher}. Regexes are compiled by the translator and must match
 * the whole value, as RE2's full match does in Envoy.
 */
public sealed interface StringMatcher {

    boolean matches(String value);

    record Exact(String value, boolean ignoreCase) implements StringMatcher {
        public boolean matches(String v) {
            return ignoreCase ? value.equalsIgnoreCase(v) : value.equals(v);
        }
    }

    record Prefix(String value, boolean ignoreCase) implements StringMatcher {
        public boolean matches(String v) {
            return v.regionMatches(ignoreCase, 0, value, 0, value.length());
        }
    }

    record Suffix(String value, boolean ignoreCase) implements StringMatcher {
        public boolean matches(String v) {
            int off = v.length() - value.length();
            return off >= 0 && v.regionMatches(ignoreCase, off, value, 0, value.length());
        }
    }

    record Contains(String value, boolean ignoreCase) implements StringMatcher {
        public boolean matches(String v) {
            if (!ignoreCase) {
                return v.contains(value);
            }
            for (int i = 0; i + value.length() <= v.length(); i++) {
                if (v.regionMatches(true, i, value, 0, value.length())) {
                    return true;
                }
            }
            return false;
        }
    }

    record Regex(Pattern pattern) implements StringMatcher {
        public boolean matches(String v) {
            return pattern.matcher(v).matches();
        }
    }
}
