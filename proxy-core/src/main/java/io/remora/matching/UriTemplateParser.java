package io.remora.matching;

import java.util.ArrayList;
import java.util.List;

/**
 * Envoy's {@code parsePathPatternSyntax}: the template is '/' then segments joined by '/', each a
 * literal, an operator or a variable, optionally ended by a suffix literal ("/{file}.m4s") or a
 * single trailing '/'. Rejects what Envoy rejects, with its reasons.
 */
final class UriTemplateParser {

    static final int MAX_VARIABLES = 5;
    static final int MAX_NAME_LENGTH = 16;

    private final String template;
    private final List<Byte> kinds = new ArrayList<>();
    private final List<String> literals = new ArrayList<>();
    private final List<String> names = new ArrayList<>();
    private final List<int[]> spans = new ArrayList<>();
    private boolean seenTextGlob;

    private UriTemplateParser(String template) {
        this.template = template;
    }

    static UriTemplate parse(String template) {
        return new UriTemplateParser(template).run();
    }

    private UriTemplate run() {
        if (template.isEmpty() || template.charAt(0) != '/') {
            throw fail("must start with '/'");
        }
        for (int i = 0; i < template.length(); i++) {
            char c = template.charAt(i);
            if (c <= ' ' || c >= 0x7f) {
                throw fail("only printable ASCII characters are allowed");
            }
        }
        literal("/");
        int pos = 1;
        int len = template.length();
        while (pos < len) {
            pos = segment(pos);
            if (pos == len) {
                break;
            }
            if (template.charAt(pos) == '/') {
                // A separator; at the very end it stands for Envoy's empty last segment, so the
                // path must end with '/' too.
                literal("/");
                pos++;
                continue;
            }
            // Not followed by '/': a suffix, which must end the template.
            int end = literalEnd(pos);
            checkLiteral(template.substring(pos, end));
            literal(template.substring(pos, end));
            if (end != len) {
                throw fail("a suffix must end the template (prefix match not supported)");
            }
            break;
        }
        byte[] k = new byte[kinds.size()];
        for (int i = 0; i < k.length; i++) {
            k[i] = kinds.get(i);
        }
        int[] from = new int[names.size()];
        int[] to = new int[names.size()];
        for (int i = 0; i < from.length; i++) {
            from[i] = spans.get(i)[0];
            to[i] = spans.get(i)[1];
        }
        return new UriTemplate(template, k, literals.toArray(new String[0]), names, from, to);
    }

    /** Parses the segment at {@code pos}; returns where it ends. */
    private int segment(int pos) {
        char c = template.charAt(pos);
        if (c == '*') {
            return operator(template, pos);
        }
        if (c == '{') {
            return variable(pos);
        }
        int end = literalEnd(pos);
        String lit = template.substring(pos, end);
        checkLiteral(lit);
        literal(lit);
        return end;
    }

    /** The {@code *} or {@code **} at {@code pos} of {@code s}; returns where it ends. */
    private int operator(String s, int pos) {
        boolean text = s.startsWith("**", pos);
        if (seenTextGlob) {
            throw fail("no operator may follow '**'");
        }
        seenTextGlob = text;
        kinds.add(text ? UriTemplate.TEXT_GLOB : UriTemplate.PATH_GLOB);
        literals.add(null);
        return pos + (text ? 2 : 1);
    }

    private int variable(int pos) {
        int close = template.indexOf('}', pos + 1);
        if (close < 0) {
            throw fail("unmatched variable bracket");
        }
        String body = template.substring(pos + 1, close);
        int eq = body.indexOf('=');
        String name = eq < 0 ? body : body.substring(0, eq);
        if (!isVariableName(name)) {
            throw fail("invalid variable name \"" + name + "\"");
        }
        if (name.length() > MAX_NAME_LENGTH) {
            throw fail("variable name \"" + name + "\" is longer than " + MAX_NAME_LENGTH + " characters");
        }
        if (names.contains(name)) {
            throw fail("repeated variable name \"" + name + "\"");
        }
        if (names.size() == MAX_VARIABLES) {
            throw fail("more than " + MAX_VARIABLES + " variables");
        }
        int first = kinds.size();
        if (eq < 0) {
            if (seenTextGlob) {
                throw fail("variable {" + name + "} (a '*') follows '**'");
            }
            kinds.add(UriTemplate.PATH_GLOB);
            literals.add(null);
        } else {
            variableMatch(body.substring(eq + 1));
        }
        names.add(name);
        spans.add(new int[] {first, kinds.size()});
        return close + 1;
    }

    /** A variable's match: operators and literals joined by '/'. */
    private void variableMatch(String m) {
        if (m.isEmpty()) {
            throw fail("empty variable match");
        }
        int pos = 0;
        while (pos < m.length()) {
            if (m.charAt(pos) == '*') {
                pos = operator(m, pos);
            } else {
                int slash = m.indexOf('/', pos);
                int end = slash < 0 ? m.length() : slash;
                String lit = m.substring(pos, end);
                checkLiteral(lit);
                literal(lit);
                pos = end;
            }
            if (pos < m.length()) {
                if (m.charAt(pos) != '/' || pos == m.length() - 1) {
                    throw fail("invalid variable match \"" + m.substring(pos) + "\"");
                }
                literal("/");
                pos++;
            }
        }
    }

    private int literalEnd(int pos) {
        int slash = template.indexOf('/', pos);
        return slash < 0 ? template.length() : slash;
    }

    private void checkLiteral(String lit) {
        if (lit.isEmpty()) {
            throw fail("empty path segment");
        }
        for (int i = 0; i < lit.length(); i++) {
            if (!UriTemplate.isPchar(lit.charAt(i))) {
                throw fail("invalid literal \"" + lit + "\"");
            }
        }
    }

    private void literal(String s) {
        kinds.add(UriTemplate.LITERAL);
        literals.add(s);
    }

    /** Envoy's variable names: a letter, then letters, digits or '_'. */
    static boolean isVariableName(String s) {
        if (s.isEmpty() || !isLetter(s.charAt(0))) {
            return false;
        }
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!isLetter(c) && !(c >= '0' && c <= '9') && c != '_') {
                return false;
            }
        }
        return true;
    }

    private static boolean isLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private IllegalArgumentException fail(String why) {
        return new IllegalArgumentException("invalid URI template \"" + template + "\": " + why);
    }
}
