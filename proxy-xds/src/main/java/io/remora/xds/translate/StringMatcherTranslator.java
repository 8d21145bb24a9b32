package io.remora.xds.translate;

import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.remora.config.StringMatcher;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code type.matcher.v3.StringMatcher} and {@code RegexMatcher}; regexes are compiled here, once,
 * with RE2 semantics (re2j) as Envoy's {@code envoy.regex_engines.google_re2}: RE2 syntax such as
 * {@code (?P<name>...)} is accepted, constructs that need backtracking (backreferences,
 * lookaround) are refused, and the compiled program may not exceed the max program size.
 */
public final class StringMatcherTranslator {

    private static final Logger LOG = Logger.getLogger(StringMatcherTranslator.class.getName());

    /**
     * Envoy's runtime default for {@code re2.max_program_size.error_level}: a regex whose program
     * is larger is rejected unless its own (deprecated) {@code google_re2.max_program_size} allows it.
     */
    public static final int DEFAULT_MAX_PROGRAM_SIZE = 100;
    /**
     * {@code re2.max_program_size.warn_level}: Envoy warns above it; by default it never does.
     */
    private static volatile long warnProgramSize = 0xffffffffL;
    /** {@code re2.max_program_size.error_level}, from the bootstrap's runtime as Envoy's. */
    private static volatile long errorProgramSize = DEFAULT_MAX_PROGRAM_SIZE;

    /**
     * Envoy's runtime keys {@code re2.max_program_size.error_level} and {@code .warn_level} (Istio
     * sets the error level to 32768), process-wide as Envoy's runtime is; absent keys reset to
     * Envoy's defaults.
     */
    public static void applyRuntime(java.util.Map<String, com.google.protobuf.Value> runtime) {
        errorProgramSize = level(runtime.get("re2.max_program_size.error_level"), DEFAULT_MAX_PROGRAM_SIZE);
        warnProgramSize = level(runtime.get("re2.max_program_size.warn_level"), 0xffffffffL);
    }

    private static long level(com.google.protobuf.Value v, long dflt) {
        if (v == null) {
            return dflt;
        }
        try {
            return v.hasNumberValue() ? (long) v.getNumberValue() : Long.parseLong(v.getStringValue().trim());
        } catch (NumberFormatException e) {
            throw FieldPath.of("layered_runtime").error("re2.max_program_size: not a number: " + v.getStringValue());
        }
    }

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
        long max = errorProgramSize;
        if (m.hasGoogleRe2() && m.getGoogleRe2().hasMaxProgramSize()) {
            // The deprecated per-regex limit replaces the error level, as in Envoy.
            max = m.getGoogleRe2().getMaxProgramSize().getValue() & 0xffffffffL;
        }
        return compile(m.getRegex(), path.field("regex"), max);
    }

    /** Compiles an RE2 regex with the default program size limit; an invalid one names its field. */
    public static Pattern compile(String regex, FieldPath path) {
        return compile(regex, path, errorProgramSize);
    }

    /** Compiles an RE2 regex; invalid syntax or a program over maxProgramSize names its field. */
    public static Pattern compile(String regex, FieldPath path, long maxProgramSize) {
        Pattern p;
        try {
            p = Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw path.error("invalid regex \"" + regex + "\": " + e.getDescription()
                    + (e.getIndex() >= 0 ? " near index " + e.getIndex() : "")
                    + " (RE2 syntax: no backreferences or lookaround)");
        }
        int size = p.programSize();
        if (size > maxProgramSize) {
            throw path.error("regex '" + regex + "' RE2 program size of " + size + " > max program size of "
                    + maxProgramSize + ". Increase configured max program size if necessary.");
        }
        if (size > warnProgramSize) {
            LOG.log(Level.WARNING, "regex '" + regex + "' RE2 program size of " + size
                    + " > max program size of " + warnProgramSize + " set for the warn level threshold");
        }
        return p;
    }
}
