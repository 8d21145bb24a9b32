package io.remora.xds.translate;

import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.remora.config.StringMatcher;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** {@code type.matcher.v3.StringMatcher} and {@code RegexMatcher}; regexes are compiled here, once. */
public final class StringMatcherTranslator {

    private StringMatcherTranslator() {
    }

    public static StringMatcher translate(io.envoyproxy.envoy.type.matcher.v3.StringMatcher m, FieldPath path) {
        boolean ic = m.getIgnoreCase();
        return switch (m.getMatchPatternCase()) {
            case EXACT -> new StringMatcher.Exact(m.getExact(), ic);
            case PREFIX -> new StringMatcher.Prefix(nonEmpty(m.getPrefix(), path.field("prefix")), ic);
            case SUFFIX -> new StringMatcher.Suffix(nonEmpty(m.getSuffix(), path.field("suffix")), ic);
            case CONTAINS -> new StringMatcher.Contains(nonEmpty(m.getContains(), path.field("contains")), ic);
            case SAFE_REGEX -> new StringMatcher.Regex(regex(m.getSafeRegex(), path.field("safe_regex")));
            case CUSTOM -> throw path.field("custom").error("custom string matchers are not supported");
            case MATCHPATTERN_NOT_SET -> throw path.error(
                    "missing required field: one of exact, prefix, suffix, contains, safe_regex");
        };
    }

    private static String nonEmpty(String v, FieldPath path) {
        if (v.isEmpty()) {
            throw path.error("must not be empty");
        }
        return v;
    }

    public static Pattern regex(RegexMatcher m, FieldPath path) {
        return compile(m.getRegex(), path.field("regex"));
    }

    /** Compiles an RE2-style regex with Java's engine; an invalid one names its field. */
    public static Pattern compile(String regex, FieldPath path) {
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw path.error("invalid regex \"" + regex + "\": " + e.getDescription()
                    + (e.getIndex() >= 0 ? " near index " + e.getIndex() : ""));
        }
    }
}
