package io.remora.accesslog;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;

import java.util.function.Function;

/**
 * Envoy's header command operators, {@code %REQ(X?Y)%}, {@code %RESP(X?Y)%} and
 * {@code %TRAILER(X?Y)%}: the first value of a header of the context's maps (the request being
 * mutated, for a header value), else what the stream info kept of the request line.
 */
final class HeaderOperators {

    private HeaderOperators() {
    }

    enum Source { REQUEST, RESPONSE, TRAILER }

    /** The operator, or null when {@code name} is not one of these. */
    static FormatOps.Op op(String name, String arg, int maxLen) {
        return switch (name) {
            // REQUEST_HEADER, RESPONSE_HEADER and RESPONSE_TRAILER are Envoy 1.37's full names.
            case "REQ", "REQUEST_HEADER" -> FormatOps.header(of(arg, Source.REQUEST), maxLen);
            case "RESP", "RESPONSE_HEADER" -> FormatOps.header(of(arg, Source.RESPONSE), maxLen);
            case "TRAILER", "RESPONSE_TRAILER" -> FormatOps.header(of(arg, Source.TRAILER), maxLen);
            // Envoy's req_without_query formatter: a request header up to its '?'.
            case "REQ_WITHOUT_QUERY" -> {
                Function<FormatContext, String> fn = of(AccessLogOperators.requireArg(name, arg), Source.REQUEST);
                yield FormatOps.header(i -> {
                    String v = fn.apply(i);
                    int q = v == null ? -1 : v.indexOf('?');
                    return q < 0 ? v : v.substring(0, q);
                }, maxLen);
            }
            default -> null;
        };
    }

    /** {@code X?Y}: header X, else Y; names are case-insensitive. */
    static Function<FormatContext, String> of(String arg, Source source) {
        CommandSyntax.verifyHeaders(arg);
        int q = arg.indexOf('?');
        AsciiString main = name(q < 0 ? arg : arg.substring(0, q), source);
        AsciiString alt = q < 0 ? null : name(arg.substring(q + 1), source);
        return i -> {
            String v = header(i, source, main);
            if (v == null && alt != null) {
                v = header(i, source, alt);
            }
            return v;
        };
    }

    private static String header(FormatContext c, Source source, AsciiString name) {
        Http2Headers h = switch (source) {
            case REQUEST -> c.requestHeaders();
            case RESPONSE -> c.responseHeaders();
            case TRAILER -> c.responseTrailers();
        };
        StreamInfo i = c.streamInfo();
        if (h != null) {
            CharSequence v = h.get(name);
            return v == null ? null : v.toString();
        }
        // No header map (the connection manager filled the dedicated fields only).
        if (source == Source.REQUEST) {
            return switch (name.toString()) {
                case ":method" -> i.method();
                case ":path" -> i.path();
                case ":authority", "host" -> i.authority();
                case "user-agent" -> i.userAgent();
                case "x-forwarded-for" -> i.forwardedFor();
                case "x-request-id" -> i.requestId();
                case "x-envoy-original-path" -> i.originalPath();
                default -> null;
            };
        }
        if (source == Source.RESPONSE) {
            if (name.contentEquals("x-envoy-upstream-service-time") && i.upstreamServiceTimeNanos >= 0) {
                return Long.toString(i.upstreamServiceTimeNanos / 1_000_000);
            }
            if (name.contentEquals(":status") && i.responseCode > 0) {
                return Integer.toString(i.responseCode);
            }
        }
        return null;
    }

    private static String lower(String s) {
        return s.trim().toLowerCase(java.util.Locale.ROOT);
    }

    private static final AsciiString AUTHORITY = AsciiString.of(":authority");

    /**
     * The header's name as the map is read: Envoy's request header map answers a lookup of the
     * legacy {@code host} with {@code :authority} (its static lookup table's special case), so
     * {@code %REQ(HOST)%} prints the request's authority.
     */
    private static AsciiString name(String header, Source source) {
        String n = lower(header);
        return source == Source.REQUEST && n.equals("host") ? AUTHORITY : AsciiString.of(n);
    }
}
