package io.remora.route;

import io.remora.config.ForwardAction;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;

/**
 * {@code regex_rewrite}: every match of the pattern in the path part is replaced by the
 * substitution, whose RE2-style {@code \N} group references are translated once, at compile, into
 * re2j's replacement syntax ({@code $N}). Matching is RE2's, linear in the path. The query string
 * is kept.
 */
public final class RegexRewriter {

    private final Pattern pattern;
    private final String replacement;

    RegexRewriter(ForwardAction.RegexRewrite spec) {
        this(spec.pattern(), spec.substitution());
    }

    /** Envoy's RegexMatchAndSubstitute; a substitution naming a missing group is refused. */
    public RegexRewriter(Pattern pattern, String substitution) {
        this.pattern = pattern;
        this.replacement = toJavaReplacement(substitution == null ? "" : substitution, pattern.groupCount());
    }

    /** Every match in {@code input} replaced (RE2's GlobalReplace). */
    public String replaceAll(String input) {
        return pattern.matcher(input).replaceAll(replacement);
    }

    /**
     * The path with its part before {@code pathEnd} rewritten and the rest (query) kept; null when
     * the rewritten part is empty, which Envoy treats as a failed rewrite.
     */
    String rewrite(String path, int pathEnd) {
        Matcher m = pattern.matcher(pathEnd == path.length() ? path : path.substring(0, pathEnd));
        if (!m.find()) {
            return path;
        }
        StringBuilder b = new StringBuilder(path.length() + 16);
        do {
            m.appendReplacement(b, replacement);
        } while (m.find());
        m.appendTail(b);
        if (b.isEmpty()) {
            return null;
        }
        return b.append(path, pathEnd, path.length()).toString();
    }

    /**
     * RE2 substitution to an re2j (Java-style) replacement: "\N" is group N, "\\" a backslash, everything else
     * literal (so '$' and digits are escaped for Java's parser).
     */
    static String toJavaReplacement(String re2, int groupCount) {
        StringBuilder b = new StringBuilder(re2.length() + 8);
        for (int i = 0; i < re2.length(); i++) {
            char c = re2.charAt(i);
            if (c == '\\' && i + 1 < re2.length()) {
                char n = re2.charAt(i + 1);
                i++;
                if (n >= '0' && n <= '9') {
                    if (n - '0' > groupCount) {
                        throw new IllegalArgumentException("substitution '" + re2
                                + "' refers to group " + n + " but the pattern has " + groupCount);
                    }
                    b.append('$').append(n);
                } else {
                    b.append('\\').append(n);
                }
            } else if (c == '$' || c == '\\' || (c >= '0' && c <= '9')) {
                b.append('\\').append(c);
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
