package io.remora.extensions.filters.http.jwt_authn;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.matching.UriTemplate;
import io.remora.route.CompiledHeaderMatcher;
import io.remora.route.QueryParameterMatch;

import java.util.List;
import java.util.Locale;
import com.google.re2j.Pattern;

/**
 * A {@code RequirementRule.match} (Envoy's jwt_authn {@code Matcher}): prefixes, exact paths,
 * path-separated prefixes, regexes and URI templates ({@code path_match_policy}) are compared with
 * the path without its query and fragment, as Envoy's {@code PathMatcher} does; {@code connect_matcher}
 * takes CONNECT requests, whatever their path. Then every header matcher, and every
 * query parameter matcher on the query as sent, must match.
 */
record JwtRouteMatch(Kind kind, String value, Pattern regex, UriTemplate template, boolean caseSensitive,
                     List<CompiledHeaderMatcher> headers, QueryParameterMatch query) {

    enum Kind { PREFIX, PATH, PATH_SEPARATED_PREFIX, REGEX, TEMPLATE, CONNECT }

    JwtRouteMatch {
        headers = List.copyOf(headers);
        if (!caseSensitive && value != null) {
            value = value.toLowerCase(Locale.ROOT);
        }
    }

    boolean matches(Http2Headers h) {
        CharSequence p = h.path();
        if (p == null && kind == Kind.REGEX) {
            return false; // a CONNECT request has no path, not an empty one, for Envoy's regex matcher
        }
        if (kind == Kind.CONNECT ? !"CONNECT".contentEquals(h.method() == null ? "" : h.method())
                : !pathMatches(p == null ? "" : p.toString())) {
            return false;
        }
        for (CompiledHeaderMatcher m : headers) {
            if (!m.matches(h)) {
                return false;
            }
        }
        return query == null || query.matches(p);
    }

    private boolean pathMatches(String path) {
        if (kind == Kind.REGEX) {
            return regex.matcher(withoutQuery(path)).matches();
        }
        if (kind == Kind.TEMPLATE) {
            return template.matchesPath(path);
        }
        String subject = withoutQuery(path);
        if (!caseSensitive) {
            subject = subject.toLowerCase(Locale.ROOT);
        }
        return switch (kind) {
            case PREFIX -> subject.startsWith(value);
            case PATH -> subject.equals(value);
            default -> subject.startsWith(value)
                    && (subject.length() == value.length() || subject.charAt(value.length()) == '/');
        };
    }

    private static String withoutQuery(String path) {
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '?' || c == '#') {
                return path.substring(0, i);
            }
        }
        return path;
    }
}
