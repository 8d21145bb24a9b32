package io.remora.route;

import io.remora.config.ForwardAction;
import io.remora.matching.UriTemplateRewrite;

/**
 * A route's path rewrite, forward or redirect: {@code prefix_rewrite} swaps what the route's path
 * matcher matched (the prefix, or the whole path part for path/regex/connect matches);
 * {@code regex_rewrite} rewrites the path part, as does {@code path_rewrite_policy} from the URI
 * template's captures. The query string is kept either way.
 */
final class PathRewriter {

    private final String prefix;
    private final RegexRewriter regex;
    private final PathMatcher matcher;
    private final UriTemplateRewrite template;

    private PathRewriter(String prefix, RegexRewriter regex, PathMatcher matcher, UriTemplateRewrite template) {
        this.prefix = prefix;
        this.regex = regex;
        this.matcher = matcher;
        this.template = template;
    }

    /** A forward's rewrite: the translator allows at most one of the three. */
    static PathRewriter of(ForwardAction f, PathMatcher matcher) {
        if (f.pathTemplateRewrite() != null) {
            return new PathRewriter(null, null, matcher, f.pathTemplateRewrite());
        }
        return of(f.prefixRewrite(), f.regexRewrite(), matcher);
    }

    /** Null when neither rewrite is set (Envoy treats an empty prefix_rewrite as unset). */
    static PathRewriter of(String prefixRewrite, ForwardAction.RegexRewrite regexRewrite, PathMatcher matcher) {
        if (prefixRewrite != null && !prefixRewrite.isEmpty()) {
            return new PathRewriter(prefixRewrite, null, matcher, null);
        }
        return regexRewrite == null ? null : new PathRewriter(null, new RegexRewriter(regexRewrite), matcher, null);
    }

    /** The rewritten {@code :path}, or null when Envoy would leave it unchanged. */
    String rewrite(String path) {
        if (template != null) {
            // Envoy's currentUrlPathAfterRewriteWithMatchedPath keeps the old path when the
            // rewriter fails (a path changed since the route matched), x-envoy-original-path and all.
            String rewritten = template.rewrite(path);
            return rewritten == null ? path : rewritten;
        }
        int pathEnd = PathMatcher.pathEnd(path);
        if (prefix != null) {
            int matched = matcher.matchedLength(path, pathEnd);
            return new StringBuilder(prefix.length() + path.length() - matched)
                    .append(prefix).append(path, matched, path.length()).toString();
        }
        return regex.rewrite(path, pathEnd);
    }
}
