package io.remora.route;

import io.remora.config.ForwardAction;

/**
 * A route's path rewrite, forward or redirect: {@code prefix_rewrite} swaps what the route's path
 * matcher matched (the prefix, or the whole path part for path/regex/connect matches);
 * {@code regex_rewrite} rewrites the path part. The query string is kept either way.
 */
final class PathRewriter {

    private final String prefix;
    private final RegexRewriter regex;
    private final PathMatcher matcher;

    private PathRewriter(String prefix, RegexRewriter regex, PathMatcher matcher) {
        this.prefix = prefix;
        this.regex = regex;
        this.matcher = matcher;
    }

    /** Null when neither rewrite is set (Envoy treats an empty prefix_rewrite as unset). */
    static PathRewriter of(String prefixRewrite, ForwardAction.RegexRewrite regexRewrite, PathMatcher matcher) {
        if (prefixRewrite != null && !prefixRewrite.isEmpty()) {
            return new PathRewriter(prefixRewrite, null, matcher);
        }
        return regexRewrite == null ? null : new PathRewriter(null, new RegexRewriter(regexRewrite), matcher);
    }

    /** The rewritten {@code :path}, or null when Envoy would leave it unchanged. */
    String rewrite(String path) {
        int pathEnd = PathMatcher.pathEnd(path);
        if (prefix != null) {
            int matched = matcher.matchedLength(path, pathEnd);
            return new StringBuilder(prefix.length() + path.length() - matched)
                    .append(prefix).append(path, matched, path.length()).toString();
        }
        return regex.rewrite(path, pathEnd);
    }
}
