package io.remora.extensions.filters.http.grpc_json_transcoder;

import java.util.ArrayList;
import java.util.List;

/**
 * One google.api.http path template ({@code /v1/{name=shelves/*}/books/{book}:verb}): literal
 * segments, {@code *} (one segment), {@code **} (the rest, last only) and variables binding the
 * segments they cover to a request field. Immutable.
 */
final class HttpPathTemplate {

    static final int LITERAL = 0;
    static final int SINGLE = 1;
    static final int MULTI = 2;

    /** A variable: the field it binds and the template segments it covers, [start, end). */
    record Variable(List<String> fieldPath, int start, int end) {
    }

    private final List<String> literals;
    private final int[] kinds;
    private final List<Variable> variables;
    private final String verb;

    private HttpPathTemplate(List<String> literals, int[] kinds, List<Variable> variables, String verb) {
        this.literals = literals;
        this.kinds = kinds;
        this.variables = variables;
        this.verb = verb;
    }

    String verb() {
        return verb;
    }

    /** Parses {@code template}; an IllegalArgumentException says what is wrong with it. */
    static HttpPathTemplate parse(String template) {
        if (!template.startsWith("/")) {
            throw new IllegalArgumentException("path template '" + template + "' does not start with '/'");
        }
        String body = template.substring(1);
        String verb = null;
        int colon = body.lastIndexOf(':');
        if (colon >= 0 && colon > body.lastIndexOf('/') && colon > body.lastIndexOf('}')) {
            verb = body.substring(colon + 1);
            body = body.substring(0, colon);
        }
        List<String> literals = new ArrayList<>();
        List<Integer> kinds = new ArrayList<>();
        List<Variable> variables = new ArrayList<>();
        int i = 0;
        while (i < body.length()) {
            if (body.charAt(i) == '{') {
                int close = body.indexOf('}', i);
                if (close < 0) {
                    throw new IllegalArgumentException("unclosed variable in '" + template + "'");
                }
                String var = body.substring(i + 1, close);
                int eq = var.indexOf('=');
                String field = eq < 0 ? var : var.substring(0, eq);
                String inner = eq < 0 ? "*" : var.substring(eq + 1);
                int start = kinds.size();
                for (String seg : inner.split("/", -1)) {
                    addSegment(seg, template, literals, kinds);
                }
                variables.add(new Variable(List.of(field.split("\\.")), start, kinds.size()));
                i = close + 1;
            } else {
                int slash = body.indexOf('/', i);
                int end = slash < 0 ? body.length() : slash;
                addSegment(body.substring(i, end), template, literals, kinds);
                i = end;
            }
            if (i < body.length()) {
                if (body.charAt(i) != '/') {
                    throw new IllegalArgumentException("expected '/' at " + (i + 1) + " in '" + template + "'");
                }
                i++;
            }
        }
        int[] k = kinds.stream().mapToInt(Integer::intValue).toArray();
        for (int s = 0; s < k.length - 1; s++) {
            if (k[s] == MULTI) {
                throw new IllegalArgumentException("'**' is not the last segment of '" + template + "'");
            }
        }
        return new HttpPathTemplate(List.copyOf(literals), k, List.copyOf(variables), verb);
    }

    private static void addSegment(String seg, String template, List<String> literals, List<Integer> kinds) {
        if (seg.isEmpty() || seg.indexOf('{') >= 0 || seg.indexOf('}') >= 0) {
            throw new IllegalArgumentException("bad segment '" + seg + "' in '" + template + "'");
        }
        kinds.add(seg.equals("**") ? MULTI : seg.equals("*") ? SINGLE : LITERAL);
        literals.add(seg);
    }

    /**
     * Whether the request's segments (and verb, null when none) match; when they do, the rank of
     * each segment's kind (a literal beats {@code *}, which beats {@code **}) for choosing among
     * templates, else null.
     */
    int[] match(List<String> segments, String requestVerb) {
        if (verb == null ? requestVerb != null : !verb.equals(requestVerb)) {
            return null;
        }
        boolean multi = kinds.length > 0 && kinds[kinds.length - 1] == MULTI;
        if (multi ? segments.size() < kinds.length - 1 : segments.size() != kinds.length) {
            return null;
        }
        for (int i = 0; i < kinds.length; i++) {
            if (kinds[i] == LITERAL && !literals.get(i).equals(segments.get(i))) {
                return null;
            }
        }
        return kinds;
    }

    /** The variables' values in matched {@code segments}, unescaped as grpc-httpjson-transcoding does. */
    void bind(List<String> segments, UrlUnescaping multiSegment, List<FieldBinding> out) {
        for (Variable v : variables) {
            boolean toEnd = v.end() == kinds.length && kinds[kinds.length - 1] == MULTI;
            int end = toEnd ? segments.size() : v.end();
            String value = String.join("/", segments.subList(v.start(), end));
            // A variable of one segment is decoded whole: a '/' in it cannot be taken for a separator.
            UrlUnescaping spec = !toEnd && v.end() - v.start() == 1 ? UrlUnescaping.ALL_CHARACTERS : multiSegment;
            out.add(new FieldBinding(v.fieldPath(), spec.unescape(value, false)));
        }
    }
}
