package io.remora.route;

import io.remora.config.QueryParameterMatcher;
import io.remora.config.StringMatcher;

/**
 * Envoy's {@code QueryParameterMatcher}: the first occurrence of the parameter must be present and
 * match the string matcher, or, for a presence check, be present or absent as
 * {@code present_match} says. The route matcher compares names and values as sent, as Envoy's
 * {@code QueryParamsMulti::parseQueryString}; a rate limit's {@code query_parameter_value_match}
 * compares them percent-decoded, as Envoy's {@code parseAndDecodeQueryString} ({@code decoded}).
 * The query is scanned in place; only a matching parameter's value is materialised.
 */
final class CompiledQueryParameterMatcher {

    private final String name;
    private final StringMatcher matcher;
    private final boolean present;
    private final boolean decoded;

    CompiledQueryParameterMatcher(QueryParameterMatcher spec, boolean decoded) {
        this.name = spec.name();
        this.matcher = spec.stringMatch();
        this.present = spec.presentMatch();
        this.decoded = decoded;
    }

    /**
     * @param path    the request's :path as it is (an AsciiString from the codecs): read in place,
     *                no String of it per request
     * @param pathEnd index of the '?' (or '#', or the length) in {@code path}
     */
    boolean matches(CharSequence path, int pathEnd) {
        String value = firstValue(path, pathEnd, name, decoded);
        if (matcher == null) {
            return (value != null) == present;
        }
        return value != null && matcher.matches(value);
    }

    /**
     * The first value of {@code name} in the query of {@code path}, as sent or percent-decoded, "" for
     * a bare key, or null. As Envoy's query parsers, the query runs from the first '?' to the end.
     */
    static String firstValue(CharSequence path, int pathEnd, String name, boolean decoded) {
        int q = pathEnd < path.length() && path.charAt(pathEnd) == '?' ? pathEnd : indexOf(path, '?', pathEnd);
        if (q < 0) {
            return null;
        }
        int end = path.length();
        int start = q + 1;
        while (start < end) {
            int amp = indexOf(path, '&', start);
            if (amp < 0) {
                amp = end;
            }
            int eq = indexOf(path, '=', start);
            int keyEnd = eq >= 0 && eq < amp ? eq : amp;
            boolean named = decoded ? PercentDecoder.decode(path, start, keyEnd).equals(name)
                    : keyEquals(path, start, keyEnd, name);
            if (named) {
                return keyEnd == amp ? "" : decoded ? PercentDecoder.decode(path, keyEnd + 1, amp)
                        : path.subSequence(keyEnd + 1, amp).toString();
            }
            start = amp + 1;
        }
        return null;
    }

    private static int indexOf(CharSequence s, char c, int from) {
        for (int i = Math.max(from, 0), n = s.length(); i < n; i++) {
            if (s.charAt(i) == c) {
                return i;
            }
        }
        return -1;
    }

    private static boolean keyEquals(CharSequence path, int from, int to, String name) {
        if (to - from != name.length()) {
            return false;
        }
        for (int i = 0; i < to - from; i++) {
            if (path.charAt(from + i) != name.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
