package io.remora.matching;

import java.util.ArrayList;
import java.util.List;

/**
 * Envoy's {@code envoy.path.rewrite.uri_template}: a new path made of literals and the variables
 * its route's {@link UriTemplate} captured ("/{lang}/{file}.vtt"). Only the path part is rewritten;
 * the query string and fragment are kept.
 */
public final class UriTemplateRewrite {

    private final String pattern;
    private final UriTemplate match;
    /** Per part: a literal, or null for a variable. */
    private final String[] literals;
    /** Per part: the variable's index in the match template, for a variable part. */
    private final int[] variables;

    private UriTemplateRewrite(String pattern, UriTemplate match, String[] literals, int[] variables) {
        this.pattern = pattern;
        this.match = match;
        this.literals = literals;
        this.variables = variables;
    }

    /**
     * Compiles {@code pattern} for routes matched by {@code match}, failing as Envoy's
     * {@code parseRewritePattern} and its shared-variable check do.
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    public static UriTemplateRewrite compile(String pattern, UriTemplate match) {
        if (pattern.isEmpty() || pattern.charAt(0) != '/') {
            throw fail(pattern, "must start with '/'");
        }
        if (pattern.contains("//")) {
            throw fail(pattern, "must not contain \"//\"");
        }
        List<String> lits = new ArrayList<>();
        List<Integer> vars = new ArrayList<>();
        int pos = 0;
        while (pos < pattern.length()) {
            int open = pattern.indexOf('{', pos);
            int litEnd = open < 0 ? pattern.length() : open;
            if (litEnd > pos) {
                String lit = pattern.substring(pos, litEnd);
                for (int i = 0; i < lit.length(); i++) {
                    char c = lit.charAt(i);
                    if (c != '/' && !UriTemplate.isPchar(c)) {
                        throw fail(pattern, "invalid literal \"" + lit + "\"");
                    }
                }
                lits.add(lit);
                vars.add(-1);
            }
            if (open < 0) {
                break;
            }
            int close = pattern.indexOf('}', open + 1);
            if (close < 0) {
                throw fail(pattern, "unmatched variable bracket");
            }
            String name = pattern.substring(open + 1, close);
            if (!UriTemplateParser.isVariableName(name)) {
                throw fail(pattern, "invalid variable name \"" + name + "\"");
            }
            int index = match.variableNames().indexOf(name);
            if (index < 0) {
                throw fail(pattern, "variable {" + name + "} is not captured by the match template \""
                        + match.template() + "\"");
            }
            lits.add(null);
            vars.add(index);
            pos = close + 1;
        }
        int[] v = new int[vars.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = vars.get(i);
        }
        return new UriTemplateRewrite(pattern, match, lits.toArray(new String[0]), v);
    }

    private static IllegalArgumentException fail(String pattern, String why) {
        return new IllegalArgumentException("invalid URI template rewrite \"" + pattern + "\": " + why);
    }

    public String pattern() {
        return pattern;
    }

    /** The template whose captures it uses. */
    public UriTemplate match() {
        return match;
    }

    /**
     * The rewritten {@code :path} (query and fragment kept), or null when the path does not match
     * the template (Envoy then leaves the path as it is).
     */
    public String rewrite(String pathWithQuery) {
        int end = UriTemplate.pathEnd(pathWithQuery);
        int[] starts = match.newStarts();
        if (!match.match(pathWithQuery, end, starts)) {
            return null;
        }
        StringBuilder out = new StringBuilder(pathWithQuery.length() + pattern.length());
        for (int i = 0; i < literals.length; i++) {
            if (literals[i] != null) {
                out.append(literals[i]);
            } else {
                int var = variables[i];
                out.append(pathWithQuery, starts[match.variableFrom(var)], starts[match.variableTo(var)]);
            }
        }
        return out.append(pathWithQuery, end, pathWithQuery.length()).toString();
    }

    @Override
    public String toString() {
        return pattern;
    }
}
