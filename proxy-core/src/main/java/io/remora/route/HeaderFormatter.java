package io.remora.route;

import io.netty.handler.codec.http2.Http2Headers;

import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Substitutes Envoy's command operators in header values: %DOWNSTREAM_REMOTE_ADDRESS%,
 * %DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%, %DOWNSTREAM_LOCAL_ADDRESS%,
 * %DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT%, %PROTOCOL%, %HOSTNAME%, %START_TIME%, and
 * %REQ(name?alternative):max%; "%%" is a literal '%'. A value without operators is returned as
 * the same String every time. Compiled once per config.
 *
 * <p>Envoy rejects a value holding an unknown operator or a stray '%'; {@link #validate} reports
 * them so the translator can do the same. A formatter compiled anyway keeps such text literally.
 * An operator with no value yields "" (Envoy formats header values with omit_empty_values).
 */
public final class HeaderFormatter {

    /** What the operators read. */
    public interface Context {
        SocketAddress downstreamRemoteAddress();

        SocketAddress downstreamLocalAddress();

        /** "HTTP/1.1" or "HTTP/2". */
        String protocol();

        /** The request's start, for %START_TIME%; now unless the stream knows better. */
        default long startTimeMillis() {
            return System.currentTimeMillis();
        }

        /**
         * The downstream request headers, read by %REQ(...)% when formatting response headers;
         * null when unknown. (Request header values read the headers being mutated.)
         */
        default Http2Headers requestHeaders() {
            return null;
        }
    }

    private final String source;
    /** Non-null when the value has no operators. */
    private final String literal;
    private final FormatterSegment[] segments;
    private final int sizeHint;

    private HeaderFormatter(String source, List<FormatterSegment> parts, String literal) {
        this.source = source;
        this.literal = literal;
        this.segments = parts.toArray(new FormatterSegment[0]);
        this.sizeHint = Math.max(16, source.length() + 16);
    }

    public static HeaderFormatter compile(String format) {
        List<FormatterSegment> parts = new ArrayList<>();
        parse(format, parts, null);
        if (parts.isEmpty()) {
            return new HeaderFormatter(format, parts, "");
        }
        if (parts.size() == 1 && parts.get(0) instanceof FormatterSegment.Literal l) {
            return new HeaderFormatter(format, parts, l.text());
        }
        return new HeaderFormatter(format, parts, null);
    }

    /** Problems Envoy would reject the value for (unknown operators, stray '%'); empty when valid. */
    public static List<String> validate(String format) {
        List<String> problems = new ArrayList<>();
        parse(format, new ArrayList<>(), problems);
        return problems;
    }

    /** Whether the value has no operators (formatting it is free). */
    public boolean isLiteral() {
        return literal != null;
    }

    public String source() {
        return source;
    }

    /**
     * @param requestHeaders the request headers %REQ()% reads (may be null)
     * @param context        connection and stream facts (may be null: operators then yield "")
     */
    public String format(Http2Headers requestHeaders, Context context) {
        if (literal != null) {
            return literal;
        }
        StringBuilder b = new StringBuilder(sizeHint);
        for (FormatterSegment s : segments) {
            s.append(b, requestHeaders, context);
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return source;
    }

    private static void parse(String f, List<FormatterSegment> out, List<String> problems) {
        StringBuilder lit = new StringBuilder();
        int n = f.length();
        int i = 0;
        while (i < n) {
            char c = f.charAt(i);
            if (c != '%') {
                lit.append(c);
                i++;
                continue;
            }
            if (i + 1 < n && f.charAt(i + 1) == '%') {
                lit.append('%');
                i += 2;
                continue;
            }
            int end = commandEnd(f, i);
            FormatterSegment seg = end < 0 ? null : FormatterSegment.of(f, i + 1, end);
            if (seg == null) {
                if (problems != null) {
                    problems.add(end < 0
                            ? "invalid header value '" + f + "': un-escaped % at position " + i
                            : "invalid header value '" + f + "': unsupported operator " + f.substring(i, end + 1));
                }
                // A well-formed but unknown operator is kept whole; a stray '%' alone.
                int stop = end < 0 ? i + 1 : end + 1;
                lit.append(f, i, stop);
                i = stop;
                continue;
            }
            if (seg instanceof FormatterSegment.Literal l) {
                lit.append(l.text());
            } else {
                if (!lit.isEmpty()) {
                    out.add(new FormatterSegment.Literal(lit.toString()));
                    lit.setLength(0);
                }
                out.add(seg);
            }
            i = end + 1;
        }
        if (!lit.isEmpty()) {
            out.add(new FormatterSegment.Literal(lit.toString()));
        }
    }

    /** Index of the closing '%' of a well-formed {@code %NAME(args):N%} starting at {@code start}, or -1. */
    private static int commandEnd(String f, int start) {
        int n = f.length();
        int j = start + 1;
        while (j < n && isCommandChar(f.charAt(j))) {
            j++;
        }
        if (j == start + 1) {
            return -1;
        }
        if (j < n && f.charAt(j) == '(') {
            int close = f.indexOf(')', j);
            if (close < 0) {
                return -1;
            }
            j = close + 1;
        }
        if (j < n && f.charAt(j) == ':') {
            int d = j + 1;
            while (d < n && f.charAt(d) >= '0' && f.charAt(d) <= '9') {
                d++;
            }
            if (d == j + 1) {
                return -1;
            }
            j = d;
        }
        return j < n && f.charAt(j) == '%' ? j : -1;
    }

    private static boolean isCommandChar(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    }
}
