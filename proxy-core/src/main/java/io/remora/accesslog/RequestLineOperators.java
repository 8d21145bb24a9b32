package io.remora.accesslog;

import java.util.function.Function;

import static io.remora.accesslog.FormatOps.text;

/**
 * Envoy's operators on what the request asked for (http_specific_formatter.cc,
 * stream_info_formatter.cc): {@code %PATH(X:Y)%}, {@code %QUERY_PARAM(X)%} and the parameters of
 * {@code %REQUESTED_SERVER_NAME(X:Y)%}.
 */
final class RequestLineOperators {
    private RequestLineOperators() {
    }

    private static final Function<FormatContext, String> PATH = HeaderOperators.of(":path",
            HeaderOperators.Source.REQUEST);
    private static final Function<FormatContext, String> ORIGINAL_PATH = HeaderOperators.of("x-envoy-original-path",
            HeaderOperators.Source.REQUEST);
    private static final Function<FormatContext, String> AUTHORITY = HeaderOperators.of(":authority",
            HeaderOperators.Source.REQUEST);
    private static final Function<FormatContext, String> ORIGINAL_HOST = HeaderOperators.of("x-envoy-original-host",
            HeaderOperators.Source.REQUEST);

    /** The operator, or null when {@code name} is not one of these. */
    static FormatOps.Op of(String name, String arg, int maxLen) {
        return switch (name) {
            case "PATH" -> path(arg, maxLen);
            case "QUERY_PARAM" -> {
                String key = arg;
                yield text(c -> queryParam(PATH.apply(c), key), maxLen);
            }
            case "QUERY_PARAMS" -> queryParams(arg, maxLen);
            case "REQUESTED_SERVER_NAME" -> serverName(arg, maxLen);
            default -> null;
        };
    }

    /** {@code WQ|NQ} (with or without the query, default WQ) and {@code ORIG|PATH|ORIG_OR_PATH} (the default). */
    private static FormatOps.Op path(String arg, int maxLen) {
        int colon = arg.indexOf(':');
        String query = colon < 0 ? arg : arg.substring(0, colon);
        String source = colon < 0 ? "" : arg.substring(colon + 1);
        boolean withQuery = switch (query) {
            case "", "WQ" -> true;
            case "NQ" -> false;
            default -> throw new IllegalArgumentException("access log format: Invalid PATH option: '" + query
                    + "', only 'WQ'/'NQ' are allowed");
        };
        Function<FormatContext, String> from = switch (source) {
            case "", "ORIG_OR_PATH" -> firstOf(ORIGINAL_PATH, PATH);
            case "PATH" -> PATH;
            case "ORIG" -> ORIGINAL_PATH;
            default -> throw new IllegalArgumentException("access log format: Invalid PATH option: '" + source
                    + "', only 'ORIG'/'PATH'/'ORIG_OR_PATH' are allowed");
        };
        return text(c -> {
            String p = from.apply(c);
            int q = withQuery || p == null ? -1 : p.indexOf('?');
            return q < 0 ? p : p.substring(0, q);
        }, maxLen);
    }

    /**
     * Envoy 1.38's {@code %QUERY_PARAMS(ORIG|DECODED)%}: the {@code :path}'s query string (after
     * {@code ?}, before a fragment) as sent (ORIG, the default) or percent-decoded with '+' as a
     * space (DECODED); missing when the path has no query or an empty one.
     */
    private static FormatOps.Op queryParams(String arg, int maxLen) {
        boolean decoded = switch (arg) {
            case "", "ORIG" -> false;
            case "DECODED" -> true;
            default -> throw new IllegalArgumentException("access log format: Invalid QUERY_PARAMS option: '" + arg
                    + "', only 'ORIG'/'DECODED' are allowed");
        };
        return text(c -> {
            String query = query(PATH.apply(c));
            return query == null || !decoded ? query : decode(query);
        }, maxLen);
    }

    /** The query of a path, without its '?' or a fragment; null when there is none or it is empty. */
    static String query(String path) {
        int q = path == null ? -1 : path.indexOf('?');
        if (q < 0) {
            return null;
        }
        int end = path.indexOf('#', q);
        end = end < 0 ? path.length() : end;
        return end == q + 1 ? null : path.substring(q + 1, end);
    }

    /**
     * As Envoy's QueryParamsMulti::parseAndDecodeQueryString and getFirstValue: the first
     * parameter whose decoded name is {@code key}, decoded ('+' is a space); a name without '='
     * has the empty value.
     */
    static String queryParam(String path, String key) {
        int q = path == null ? -1 : path.indexOf('?');
        if (q < 0) {
            return null;
        }
        int end = path.indexOf('#', q);
        end = end < 0 ? path.length() : end;
        for (int start = q + 1; start < end; ) {
            int amp = path.indexOf('&', start);
            int stop = amp < 0 || amp > end ? end : amp;
            int eq = path.indexOf('=', start);
            boolean hasValue = eq >= 0 && eq < stop;
            if (stop > start && decode(path.substring(start, hasValue ? eq : stop)).equals(key)) {
                return hasValue ? decode(path.substring(eq + 1, stop)) : "";
            }
            start = stop + 1;
        }
        return null;
    }

    /** Percent-decoding with '+' as a space; a malformed escape stays as it is. */
    private static String decode(String s) {
        if (s.indexOf('%') < 0 && s.indexOf('+') < 0) {
            return s;
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(s.length());
        for (int k = 0; k < s.length(); k++) {
            char ch = s.charAt(k);
            if (ch == '+') {
                out.write(' ');
            } else if (ch == '%' && k + 2 < s.length() && Character.digit(s.charAt(k + 1), 16) >= 0
                    && Character.digit(s.charAt(k + 2), 16) >= 0) {
                out.write(Character.digit(s.charAt(k + 1), 16) * 16 + Character.digit(s.charAt(k + 2), 16));
                k += 2;
            } else {
                byte[] b = String.valueOf(ch).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
            }
        }
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    /**
     * {@code X}: SNI_ONLY (the default), SNI_FIRST (the request's host when there is no SNI) or
     * HOST_FIRST (the host, else the SNI); {@code Y}: where the host comes from, ORIG
     * (x-envoy-original-host), HOST (:authority) or ORIG_OR_HOST (the default).
     */
    private static FormatOps.Op serverName(String arg, int maxLen) {
        int colon = arg.indexOf(':');
        String order = colon < 0 ? arg : arg.substring(0, colon);
        String source = colon < 0 ? "" : arg.substring(colon + 1);
        Function<FormatContext, String> host = switch (source) {
            case "", "ORIG_OR_HOST" -> firstOf(ORIGINAL_HOST, AUTHORITY);
            case "HOST" -> AUTHORITY;
            case "ORIG" -> ORIGINAL_HOST;
            default -> throw new IllegalArgumentException("access log format: REQUESTED_SERVER_NAME: invalid host"
                    + " source '" + source + "', only 'ORIG'/'HOST'/'ORIG_OR_HOST' are allowed");
        };
        Function<FormatContext, String> sni = c -> sanitizedHostname(sni(c.streamInfo()));
        return switch (order) {
            case "", "SNI_ONLY" -> text(sni, maxLen);
            case "SNI_FIRST" -> text(firstOf(sni, host), maxLen);
            case "HOST_FIRST" -> text(firstOf(host, sni), maxLen);
            default -> throw new IllegalArgumentException("access log format: REQUESTED_SERVER_NAME: invalid option '"
                    + order + "', only 'SNI_ONLY'/'SNI_FIRST'/'HOST_FIRST' are allowed");
        };
    }

    /** {@code first}'s value, or {@code otherwise}'s when that is missing or empty. */
    private static Function<FormatContext, String> firstOf(Function<FormatContext, String> first,
                                                           Function<FormatContext, String> otherwise) {
        return c -> {
            String v = first.apply(c);
            return v == null || v.isEmpty() ? otherwise.apply(c) : v;
        };
    }

    /**
     * Envoy's StringUtil::sanitizeInvalidHostname, applied to the SNI before it is logged: the
     * client chooses those bytes, so each one outside letters, digits, '.', '-' and '_' (Istio's
     * {@code outbound_.80_._.svc} names) becomes '_' and the name is marked {@code invalid:}, which
     * keeps quotes, spaces and control bytes out of a line.
     */
    static String sanitizedHostname(String name) {
        if (name == null) {
            return null;
        }
        char[] c = null;
        for (int k = 0; k < name.length(); k++) {
            char ch = name.charAt(k);
            boolean ok = ch < 128 && (Character.isLetterOrDigit(ch) || ch == '.' || ch == '-' || ch == '_');
            if (!ok) {
                if (c == null) {
                    c = name.toCharArray();
                }
                c[k] = '_';
            }
        }
        return c == null ? name : "invalid:" + new String(c);
    }

    /** From tls_inspector, else from the TLS handshake (a chain with TLS and no inspector). */
    static String sni(StreamInfo i) {
        return i.requestedServerName() != null ? i.requestedServerName()
                : i.downstreamTls() == null ? null : i.downstreamTls().serverName();
    }
}
