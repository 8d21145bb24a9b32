package io.remora.matching;

import java.util.List;

/**
 * A compiled Envoy URI template ({@code envoy.path.match.uri_template}): {@code *} one path
 * segment, {@code **} any number (the last operator), {@code {name}} / {@code {name=*}} a named
 * segment, {@code {name=a/*}} / {@code {name=**}} named spans. Envoy turns the template into an RE2
 * regex; Remora walks a list of literals and globs built once, with the same results: after a
 * {@code **} only literals may follow, so each glob's end is fixed by the next separator, the
 * path's end or the fixed tail, and matching is one pass without backtracking or allocation.
 * Immutable, so shared by every event loop.
 */
public final class UriTemplate {

    static final byte LITERAL = 0;
    /** {@code *}: one or more pchars or '*' (no '/'). */
    static final byte PATH_GLOB = 1;
    /** {@code **}: zero or more pchars, '*' or '/'. */
    static final byte TEXT_GLOB = 2;

    private static final boolean[] PCHAR = new boolean[128];

    static {
        // RFC 3986 pchar as Envoy's kLiteral: unreserved, '%', sub-delims but '*', ':', '@', '='.
        for (char c : "-._~%!$&'()+,;:@=".toCharArray()) {
            PCHAR[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            PCHAR[c] = true;
            PCHAR[c - 'a' + 'A'] = true;
        }
        for (char c = '0'; c <= '9'; c++) {
            PCHAR[c] = true;
        }
    }

    private final String template;
    private final byte[] kinds;
    private final String[] literals;
    /** For a path glob: whether the element after it is the template's suffix (e.g. ".json"). */
    private final boolean[] beforeSuffix;
    /** The length of the literals after the text glob (they end the path); 0 without one. */
    private final int tailLength;
    private final List<String> names;
    /** Variable i spans elements [varFrom[i], varTo[i]). */
    private final int[] varFrom;
    private final int[] varTo;

    UriTemplate(String template, byte[] kinds, String[] literals, List<String> names, int[] varFrom, int[] varTo) {
        this.template = template;
        this.kinds = kinds;
        this.literals = literals;
        this.names = List.copyOf(names);
        this.varFrom = varFrom;
        this.varTo = varTo;
        int n = kinds.length;
        beforeSuffix = new boolean[n];
        int tail = 0;
        boolean afterTextGlob = false;
        for (int i = 0; i < n; i++) {
            if (kinds[i] == PATH_GLOB && i + 2 == n && kinds[i + 1] == LITERAL && literals[i + 1].charAt(0) != '/') {
                beforeSuffix[i] = true;
            }
            if (afterTextGlob) {
                tail += literals[i].length();
            }
            afterTextGlob |= kinds[i] == TEXT_GLOB;
        }
        tailLength = tail;
    }

    /**
     * Compiles a template, failing as Envoy's {@code parsePathPatternSyntax} does.
     *
     * @throws IllegalArgumentException saying what is wrong with it
     */
    public static UriTemplate compile(String template) {
        return UriTemplateParser.parse(template);
    }

    static boolean isPchar(char c) {
        return c < 128 && PCHAR[c];
    }

    /**
     * What a {@code *} or {@code **} takes of a path: a pchar or a '*' (Envoy's operators since
     * 1.35, uri_template_match_on_asterisk); a template's own literals still may not hold a '*'.
     */
    private static boolean isGlobChar(char c) {
        return c == '*' || isPchar(c);
    }

    /** The template as configured. */
    public String template() {
        return template;
    }

    /** The variables it captures, in order. */
    public List<String> variableNames() {
        return names;
    }

    /** Whether the path part of {@code pathWithQuery} (up to '?' or '#') matches the whole template. */
    public boolean matchesPath(CharSequence pathWithQuery) {
        return matches(pathWithQuery, pathEnd(pathWithQuery));
    }

    /** Whether {@code path[0, end)} matches the whole template. */
    public boolean matches(CharSequence path, int end) {
        return match(path, end, null);
    }

    /** The first '?' or '#' of a {@code :path}, else its length. */
    public static int pathEnd(CharSequence path) {
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '?' || c == '#') {
                return i;
            }
        }
        return path.length();
    }

    /** A scratch array for {@link #match}'s element starts. */
    int[] newStarts() {
        return new int[kinds.length + 1];
    }

    int variableFrom(int var) {
        return varFrom[var];
    }

    int variableTo(int var) {
        return varTo[var];
    }

    /**
     * Matches {@code path[0, end)}; when {@code starts} is non-null, element i of the template
     * matched {@code [starts[i], starts[i + 1])}.
     */
    boolean match(CharSequence path, int end, int[] starts) {
        int pos = 0;
        int n = kinds.length;
        for (int i = 0; i < n; i++) {
            if (starts != null) {
                starts[i] = pos;
            }
            switch (kinds[i]) {
                case LITERAL -> {
                    String s = literals[i];
                    if (end - pos < s.length() || !regionEquals(path, pos, s)) {
                        return false;
                    }
                    pos += s.length();
                }
                case PATH_GLOB -> {
                    int stop;
                    if (beforeSuffix[i]) {
                        stop = end - literals[i + 1].length();
                        if (stop <= pos || !all(path, pos, stop, false)) {
                            return false;
                        }
                    } else {
                        stop = pos;
                        while (stop < end && isGlobChar(path.charAt(stop))) {
                            stop++;
                        }
                        if (stop == pos) {
                            return false;
                        }
                    }
                    pos = stop;
                }
                default -> {
                    int stop = end - tailLength;
                    if (stop < pos || !all(path, pos, stop, true)) {
                        return false;
                    }
                    pos = stop;
                }
            }
        }
        if (starts != null) {
            starts[n] = pos;
        }
        return pos == end;
    }

    private static boolean all(CharSequence path, int from, int to, boolean slash) {
        for (int i = from; i < to; i++) {
            char c = path.charAt(i);
            if (!isGlobChar(c) && !(slash && c == '/')) {
                return false;
            }
        }
        return true;
    }

    private static boolean regionEquals(CharSequence path, int at, String s) {
        for (int i = 0; i < s.length(); i++) {
            if (path.charAt(at + i) != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return template;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UriTemplate t && t.template.equals(template);
    }

    @Override
    public int hashCode() {
        return template.hashCode();
    }
}
