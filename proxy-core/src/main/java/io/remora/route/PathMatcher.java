package io.remora.route;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.RouteMatch;

import com.google.re2j.Pattern;

/**
 * The path part of a route match, on the {@code :path} up to its query or fragment
 * ({@code pathEnd}). {@code case_sensitive} applies to prefix, path and path_separated_prefix.
 */
abstract sealed class PathMatcher {

    abstract boolean matches(Http2Headers headers, CharSequence path, int pathEnd);

    /** How much of the path {@code prefix_rewrite} replaces (Envoy's "matched path"). */
    int matchedLength(CharSequence path, int pathEnd) {
        return pathEnd;
    }

    static PathMatcher of(RouteMatch.PathMatch spec, boolean caseSensitive) {
        if (spec instanceof RouteMatch.Prefix p) {
            return new Prefix(p.prefix(), !caseSensitive);
        } else if (spec instanceof RouteMatch.Path p) {
            return new Exact(p.path(), !caseSensitive);
        } else if (spec instanceof RouteMatch.SafeRegex r) {
            return new Regex(r.regex());
        } else if (spec instanceof RouteMatch.PathSeparatedPrefix p) {
            return new SeparatedPrefix(p.prefix(), !caseSensitive);
        } else if (spec instanceof RouteMatch.ConnectMatcher) {
            return new Connect();
        } else if (spec instanceof RouteMatch.PathTemplate t) {
            return new Template(t.template());
        }
        throw new IllegalArgumentException("unsupported path match " + spec);
    }

    /** End of the path part: the first '?' or '#', else the length. */
    static int pathEnd(CharSequence path) {
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '?' || c == '#') {
                return i;
            }
        }
        return path.length();
    }

    /**
     * Where path matching stops under ignore_path_parameters_in_path_matching: at the first ';'
     * (Envoy's sanitizePathBeforePathMatching cuts there), else at {@code pathEnd}.
     */
    static int parametersStart(CharSequence path, int pathEnd) {
        for (int i = 0; i < pathEnd; i++) {
            if (path.charAt(i) == ';') {
                return i;
            }
        }
        return pathEnd;
    }

    /**
     * Whether the path starts with {@code s}; with {@code ignoreCase}, folding ASCII case only, as
     * Envoy's {@code absl::StartsWithIgnoreCase}. The path is the header's value as it came (no
     * String made per request).
     */
    private static boolean region(CharSequence path, String s, boolean ignoreCase) {
        return ignoreCase ? AsciiCase.regionEqualsIgnoreCase(path, 0, s) : AsciiCase.regionEquals(path, 0, s);
    }

    static final class Prefix extends PathMatcher {
        private final String prefix;
        private final boolean ignoreCase;

        Prefix(String prefix, boolean ignoreCase) {
            this.prefix = prefix;
            this.ignoreCase = ignoreCase;
        }

        @Override
        boolean matches(Http2Headers headers, CharSequence path, int pathEnd) {
            return pathEnd >= prefix.length() && region(path, prefix, ignoreCase);
        }

        @Override
        int matchedLength(CharSequence path, int pathEnd) {
            return Math.min(prefix.length(), path.length());
        }
    }

    static final class Exact extends PathMatcher {
        private final String value;
        private final boolean ignoreCase;

        Exact(String value, boolean ignoreCase) {
            this.value = value;
            this.ignoreCase = ignoreCase;
        }

        @Override
        boolean matches(Http2Headers headers, CharSequence path, int pathEnd) {
            return pathEnd == value.length() && region(path, value, ignoreCase);
        }

        /**
         * Envoy's matched path for an exact match is the configured path, not the request's path
         * part: under ignore_path_parameters_in_path_matching a prefix_rewrite keeps the ";params".
         */
        @Override
        int matchedLength(CharSequence path, int pathEnd) {
            return Math.min(value.length(), path.length());
        }
    }

    static final class Regex extends PathMatcher {
        private final Pattern pattern;

        Regex(Pattern pattern) {
            this.pattern = pattern;
        }

        @Override
        boolean matches(Http2Headers headers, CharSequence path, int pathEnd) {
            // RE2 full match of the path part (Envoy's RE2::FullMatch), in linear time.
            // re2j matches Strings: a regex route pays for one (an AsciiString keeps it).
            String s = path.toString();
            return pattern.matches(pathEnd == s.length() ? s : s.substring(0, pathEnd));
        }
    }

    static final class SeparatedPrefix extends PathMatcher {
        private final String prefix;
        private final boolean ignoreCase;

        SeparatedPrefix(String prefix, boolean ignoreCase) {
            this.prefix = prefix;
            this.ignoreCase = ignoreCase;
        }

        @Override
        boolean matches(Http2Headers headers, CharSequence path, int pathEnd) {
            int n = prefix.length();
            return pathEnd >= n && region(path, prefix, ignoreCase) && (pathEnd == n || path.charAt(n) == '/');
        }

        @Override
        int matchedLength(CharSequence path, int pathEnd) {
            return Math.min(prefix.length(), path.length());
        }
    }

    static final class Template extends PathMatcher {
        private final io.remora.matching.UriTemplate template;

        Template(io.remora.matching.UriTemplate template) {
            this.template = template;
        }

        /**
         * Envoy's UriTemplateMatcherRouteEntryImpl matches the whole path part, ";params" included,
         * whatever ignore_path_parameters_in_path_matching says (';' is a pchar a template
         * captures), so a {@code pathEnd} cut at a ';' is taken back to the '?' or '#'.
         */
        @Override
        boolean matches(Http2Headers headers, CharSequence path, int pathEnd) {
            if (pathEnd < path.length() && path.charAt(pathEnd) == ';') {
                pathEnd = PathMatcher.pathEnd(path);
            }
            return template.matches(path, pathEnd);
        }
    }

    static final class Connect extends PathMatcher {
        private static final String CONNECT = "CONNECT";

        @Override
        boolean matches(Http2Headers headers, CharSequence path, int pathEnd) {
            CharSequence method = headers.method();
            return method != null && AsciiCase.regionEquals(method, 0, CONNECT) && method.length() == CONNECT.length();
        }
    }
}
