package io.remora.route;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.config.RedirectAction;

/**
 * Envoy's {@code newUri}: the Location of a redirect, built from the request and the
 * {@link RedirectAction}. Without an action it is the request's own URI (a direct response's
 * Location for 201 and 3xx).
 */
public final class RedirectUri {

    private static final AsciiString FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");

    private final String scheme;
    private final String host;
    /** ":port" or "". Envoy writes it as configured, even when it is the scheme's default. */
    private final String port;
    private final String path;
    private final boolean pathHasQuery;
    private final boolean stripQuery;
    private final PathRewriter rewriter;
    /** Envoy's SslRedirector: https:// + the Host as sent + the path, nothing rewritten. */
    private final boolean sslRedirector;

    /** The location of a virtual host's require_tls redirect. */
    static final RedirectUri SSL_REDIRECTOR = new RedirectUri();

    private RedirectUri() {
        scheme = "https";
        host = path = null;
        port = "";
        pathHasQuery = stripQuery = false;
        rewriter = null;
        sslRedirector = true;
    }

    RedirectUri(RedirectAction r, PathMatcher matcher) {
        if (r == null) {
            scheme = host = path = null;
            port = "";
            pathHasQuery = stripQuery = false;
            rewriter = null;
            sslRedirector = false;
            return;
        }
        scheme = emptyToNull(r.schemeRedirect());
        host = emptyToNull(r.hostRedirect());
        port = r.portRedirect() == 0 ? "" : ":" + r.portRedirect();
        path = emptyToNull(r.pathRedirect());
        pathHasQuery = path != null && path.indexOf('?') >= 0;
        stripQuery = r.stripQuery();
        rewriter = PathRewriter.of(r.prefixRewrite(), r.regexRewrite(), matcher);
        sslRedirector = false;
    }

    /** A redirect without a path rewrite (a custom response's {@code redirect_action}). */
    public static RedirectUri of(RedirectAction r) {
        if (r.prefixRewrite() != null || r.regexRewrite() != null) {
            throw new IllegalArgumentException("a path rewrite needs the route's path matcher");
        }
        return new RedirectUri(r, null);
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /** The Location for a request, or null when it has no :path. */
    public String location(Http2Headers request) {
        CharSequence p = request.path();
        if (p == null) {
            return null;
        }
        String requestPath = p.toString();
        if (sslRedirector) {
            CharSequence a = request.authority();
            return "https://" + (a == null ? "" : a) + requestPath;
        }
        if (rewriter != null) {
            // Envoy rewrites the request's path first (the router's rewritePathHeader).
            String rewritten = rewriter.rewrite(requestPath);
            if (rewritten != null) {
                requestPath = rewritten;
            }
        }
        String finalScheme = scheme;
        if (finalScheme == null) {
            CharSequence s = request.scheme();
            finalScheme = s == null ? "" : s.toString();
        }
        String finalHost = host != null ? host : requestHost(request, finalScheme, port);
        String finalPath;
        if (path == null) {
            finalPath = requestPath;
        } else if (pathHasQuery) {
            // path_redirect's own query wins and is never stripped.
            finalPath = path;
        } else {
            int q = requestPath.indexOf('?');
            finalPath = q < 0 ? path : path + requestPath.substring(q);
        }
        if (!finalPath.startsWith("/")) {
            finalPath = "/" + finalPath;
        }
        if (stripQuery && !pathHasQuery) {
            int q = finalPath.indexOf('?');
            if (q >= 0) {
                finalPath = finalPath.substring(0, q);
            }
        }
        return new StringBuilder(finalScheme.length() + finalHost.length() + port.length() + finalPath.length() + 3)
                .append(finalScheme).append("://").append(finalHost).append(port).append(finalPath).toString();
    }

    /**
     * Envoy's processRequestHost: the request's Host, without its port when a port_redirect is
     * given, or when the scheme changes and the port is the default of the request's protocol
     * (x-forwarded-proto, so http://foo.com:80 served over TLS keeps its port).
     */
    static String requestHost(Http2Headers headers, String newScheme, String newPort) {
        CharSequence a = headers.authority();
        String host = a == null ? "" : a.toString();
        if (host.isEmpty()) {
            return host;
        }
        int hostEnd;
        if (host.charAt(0) == '[') {
            hostEnd = host.lastIndexOf("]:");
            if (hostEnd >= 0) {
                hostEnd++;
            }
        } else {
            hostEnd = host.lastIndexOf(':');
        }
        if (hostEnd >= 0) {
            String requestPort = host.substring(hostEnd);
            CharSequence xfp = headers.get(FORWARDED_PROTO);
            String proto = xfp == null ? "" : xfp.toString();
            boolean remove = !newPort.isEmpty();
            if (!newScheme.equals(proto)) {
                remove |= proto.equalsIgnoreCase("https") && requestPort.equals(":443");
                remove |= proto.equalsIgnoreCase("http") && requestPort.equals(":80");
            }
            if (remove) {
                return host.substring(0, hostEnd);
            }
        }
        return host;
    }
}
