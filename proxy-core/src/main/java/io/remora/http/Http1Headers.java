package io.remora.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.http.upstream.HeaderConversion;
import io.remora.http.upstream.Http1Head;

/** HTTP/1.1 messages to and from the internal HTTP/2-style headers. */
final class Http1Headers {

    static final AsciiString CONNECTION = HttpHeaderNames.CONNECTION;
    static final AsciiString KEEP_ALIVE = HttpHeaderNames.KEEP_ALIVE;
    static final AsciiString PROXY_CONNECTION = HttpHeaderNames.PROXY_CONNECTION;
    static final AsciiString TRANSFER_ENCODING = HttpHeaderNames.TRANSFER_ENCODING;
    static final AsciiString UPGRADE = HttpHeaderNames.UPGRADE;
    static final AsciiString HOST = HttpHeaderNames.HOST;
    static final AsciiString TE = HttpHeaderNames.TE;
    static final AsciiString EXPECT = HttpHeaderNames.EXPECT;
    static final AsciiString HTTP2_SETTINGS = AsciiString.cached("http2-settings");

    private Http1Headers() {
    }

    /** Headers that describe one hop's connection, never forwarded (RFC 9110 7.6.1). */
    static boolean connectionSpecific(CharSequence lowerName) {
        // By length first: at most two comparisons, and for most names none (six inlined
        // comparisons had made this a 15 KB method for C2).
        return switch (lowerName.length()) {
            case 7 -> UPGRADE.contentEquals(lowerName);
            case 10 -> CONNECTION.contentEquals(lowerName) || KEEP_ALIVE.contentEquals(lowerName);
            case 14 -> HTTP2_SETTINGS.contentEquals(lowerName);
            case 16 -> PROXY_CONNECTION.contentEquals(lowerName);
            case 17 -> TRANSFER_ENCODING.contentEquals(lowerName);
            default -> false;
        };
    }

    static final AsciiString CHUNKED = AsciiString.cached("chunked");

    /** Why a request head is refused before it becomes a stream: Envoy's status and details. */
    record Rejection(int status, String reason, String details) {
    }

    /**
     * Envoy's HTTP/1.1 codec checks the parser leaves to the request, or null when the request head
     * is acceptable. A rejection closes the connection after the reply. A missing Host is not the
     * codec's to refuse: the connection manager does, with the request's headers in hand
     * ({@link RequestHeaderChecks}).
     * An {@code upgrade}'s Connection header is not sanitized (Envoy's handling_upgrade_).
     * {@code plaintextEdge}: a connection without TLS where Envoy's codec validates the scheme
     * (use_remote_address with no trusted hops), which refuses an https absolute-form target.
     */
    static Rejection validate(Http1Head head, boolean allowAbsoluteUrl, boolean upgrade, boolean plaintextEdge) {
        AsciiString uri = head.target;
        boolean connect = HttpMethod.CONNECT.asciiName().contentEquals(head.method);
        if (!RequestTargets.parses(uri, connect)) {
            return new Rejection(400, "Bad Request", "http1.codec_error");
        }
        if (!upgrade && head.had(CONNECTION) && !ConnectionNominations.acceptable(head.headers)) {
            return new Rejection(400, "Bad Request", "http1.connection_header_rejected");
        }
        if (uri.indexOf('#', 0) >= 0) {
            // RFC 9112 3.2: no fragment in a request-target (Envoy's http_reject_path_with_fragment).
            return new Rejection(400, "Bad Request", "path_normalization_failed");
        }
        if (head.hostCount() > 1) {
            return new Rejection(400, "Bad Request", "http1.codec_error");
        }
        if (connect && !RequestTargets.hostAndPort(uri)) {
            // Envoy's codec reads a CONNECT target as a URL of host and port alone (handlePath).
            return new Rejection(400, "Bad Request", "http1.invalid_url");
        }
        if (allowAbsoluteUrl && !connect && uri.byteAt(0) != '/' && !absoluteForm(uri)
                && !(uri.length() == 1 && uri.byteAt(0) == '*' && HttpMethod.OPTIONS.asciiName().contentEquals(head.method))) {
            // As Envoy's codec: a target neither origin- nor absolute-form (nor OPTIONS *) is no URL.
            return new Rejection(400, "Bad Request", "http1.invalid_url");
        }
        AsciiString scheme = allowAbsoluteUrl && !connect ? absoluteScheme(uri) : null;
        if (scheme != null) {
            // Envoy's handlePath: the target's scheme becomes :scheme, and only http and https are schemes.
            if (!HTTP.contentEqualsIgnoreCase(scheme) && !HTTPS.contentEqualsIgnoreCase(scheme)) {
                return new Rejection(400, "Bad Request", "http1.invalid_scheme");
            }
            if (plaintextEdge && HTTPS.contentEqualsIgnoreCase(scheme)) {
                return new Rejection(403, "Forbidden", "http1.https_url_on_plaintext_connection");
            }
        }
        return null;
    }

    private static final AsciiString HTTP = AsciiString.cached("http");
    private static final AsciiString HTTPS = AsciiString.cached("https");

    /** The scheme of an absolute-form target (as {@link #requestLine} splits it), or null. */
    private static AsciiString absoluteScheme(AsciiString uri) {
        int s = uri.byteAt(0) == '/' ? -1 : uri.indexOf("://", 0);
        return s > 0 ? uri.subSequence(0, s, false) : null;
    }

    /** scheme "://" authority, the authority not empty. */
    private static boolean absoluteForm(AsciiString uri) {
        int s = uri.indexOf("://", 0);
        int host = s + 3;
        return s > 0 && host < uri.length() && uri.byteAt(host) != '/' && uri.byteAt(host) != '?';
    }

    static final AsciiString CONTENT_LENGTH = HttpHeaderNames.CONTENT_LENGTH;

    /**
     * Whether a request head asks for an upgrade the proxy tunnels (Envoy's isUpgrade): Connection
     * names "upgrade" and Upgrade is set, h2c excepted (never proxied: it is about this hop).
     */
    static boolean isTunnelUpgrade(Http1Head head) {
        AsciiString upgrade = head.upgrade;
        return head.connectionUpgrade && upgrade != null && !upgrade.isEmpty()
                && !H2C.contentEqualsIgnoreCase(upgrade.trim());
    }

    private static final AsciiString H2C = AsciiString.cached("h2c");

    /**
     * Normalizes a request head into the internal form, on the block the parser filled: the
     * request line becomes pseudo-headers (:method, :authority from Host or an absolute URI, :path,
     * and :scheme from an absolute URI only: the connection manager sets it for the others, from a
     * trusted x-forwarded-proto, as Envoy's codec leaves it unset) and what must not travel is
     * removed, no copy. With {@code upgrade} the Upgrade
     * and Connection headers are kept (Envoy forwards them verbatim for upgrades).
     */
    static Http2Headers toHttp2(Http1Head head, boolean upgrade, boolean answeredExpect, boolean allowAbsoluteUrl) {
        Http1Head in = head;
        Http2Headers out = head.headers;
        requestLine(head, out, allowAbsoluteUrl);
        if (!in.hasSpecial()) {
            return out;
        }
        // Only the names the head had are looked for (HttpHeaderNames' constants, which the
        // decoded block records by identity): usually just host.
        if (!upgrade) {
            if (in.had(CONNECTION)) {
                ConnectionNominations.removeNominated(out);
            }
            removeIfHad(in, out, CONNECTION);
            removeIfHad(in, out, UPGRADE);
        }
        removeIfHad(in, out, KEEP_ALIVE);
        removeIfHad(in, out, PROXY_CONNECTION);
        removeIfHad(in, out, TRANSFER_ENCODING);
        removeIfHad(in, out, HTTP2_SETTINGS);
        if (answeredExpect) {
            removeIfHad(in, out, EXPECT); // else it goes upstream, as Envoy's codec leaves it
        }
        if (in.had(HOST)) {
            CharSequence host = out.get(HOST);
            if (host != null) {
                if (out.authority() == null) {
                    out.authority(host);
                }
                out.remove(HOST);
            }
        }
        if (in.had(TE)) {
            HeaderConversion.sanitizeTe(out);
        }
        return out;
    }

    private static void removeIfHad(Http1Head in, Http2Headers out, AsciiString name) {
        if (in.had(name)) {
            out.remove(name);
        }
    }

    /** :method, and :path/:scheme/:authority from the request-target (RFC 9112 3.2), as views of it. */
    private static void requestLine(Http1Head head, Http2Headers out, boolean allowAbsoluteUrl) {
        out.method(head.method);
        AsciiString uri = head.target;
        if (HttpMethod.CONNECT.asciiName().contentEquals(head.method)) {
            out.authority(uri);
            return;
        }
        // Without allow_absolute_url an absolute-form target stays the path, as Envoy's codec leaves it.
        int schemeEnd = uri.byteAt(0) == '/' || !allowAbsoluteUrl ? -1 : uri.indexOf("://", 0);
        if (schemeEnd > 0) {
            // absolute-form (a proxy request): the URI carries authority and path.
            int hostStart = schemeEnd + 3;
            int pathStart = uri.indexOf('/', hostStart);
            int queryStart = uri.indexOf('?', hostStart);
            if (pathStart < 0 || (queryStart >= 0 && queryStart < pathStart)) {
                int end = queryStart < 0 ? uri.length() : queryStart;
                out.authority(uri.subSequence(hostStart, end, false));
                out.path(queryStart < 0 ? SLASH : SLASH.concat(uri.subSequence(queryStart, uri.length(), false)));
            } else {
                out.authority(uri.subSequence(hostStart, pathStart, false));
                out.path(uri.subSequence(pathStart, uri.length(), false));
            }
            // Envoy's codec takes the target's scheme, lowercased (allow_absolute_url_with_mixed_scheme).
            out.scheme(uri.subSequence(0, schemeEnd, false).toLowerCase());
            return;
        }
        out.path(uri);
    }

    private static final AsciiString SLASH = AsciiString.cached("/");

    /** Removes what must not travel on an HTTP/2 stream. */
    static void stripConnectionSpecific(Http2Headers h) {
        h.remove(CONNECTION);
        h.remove(KEEP_ALIVE);
        h.remove(PROXY_CONNECTION);
        h.remove(TRANSFER_ENCODING);
        h.remove(UPGRADE);
    }
}
