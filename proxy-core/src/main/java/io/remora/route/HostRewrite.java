package io.remora.route;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.config.ForwardAction;

/**
 * A forward route's host rewrite (Envoy's host_rewrite_literal, host_rewrite_header and
 * host_rewrite_path_regex, one of them), with append_x_forwarded_host. Compiled once per route
 * and null for the many routes without one, so that a route without pays a null check.
 */
final class HostRewrite {
    private final String literal;
    private final AsciiString header;
    private final RegexRewriter path;
    private final boolean appendForwardedHost;

    private HostRewrite(String literal, AsciiString header, RegexRewriter path, boolean appendForwardedHost) {
        this.literal = literal;
        this.header = header;
        this.path = path;
        this.appendForwardedHost = appendForwardedHost;
    }

    /** The action's host rewrite, or null when it has none. */
    static HostRewrite of(ForwardAction f) {
        String literal = f.hostRewriteLiteral() == null || f.hostRewriteLiteral().isEmpty()
                ? null : f.hostRewriteLiteral();
        AsciiString header = f.hostRewriteHeader() == null || f.hostRewriteHeader().isEmpty()
                ? null : AsciiString.of(AsciiCase.lower(f.hostRewriteHeader()));
        RegexRewriter path = f.hostRewritePathRegex() == null ? null : new RegexRewriter(f.hostRewritePathRegex());
        return literal == null && header == null && path == null ? null
                : new HostRewrite(literal, header, path, f.appendXForwardedHost());
    }

    /** {@code keepOldHost}: the replaced Host goes to x-envoy-original-host (unless suppress_envoy_headers). */
    void apply(Http2Headers headers, boolean keepOldHost) {
        if (literal != null) {
            HostPort.rewrite(headers, literal, appendForwardedHost, keepOldHost);
        } else if (header != null) {
            CharSequence v = headers.get(header);
            if (v != null && v.length() > 0) {
                HostPort.rewrite(headers, v, appendForwardedHost, keepOldHost);
            }
        } else if (path != null && headers.path() != null) {
            String p = headers.path().toString();
            String host = path.replaceAll(p.substring(0, PathMatcher.pathEnd(p)));
            if (!host.isEmpty()) {
                HostPort.rewrite(headers, host, appendForwardedHost, keepOldHost);
            }
        }
    }
}
