package io.remora.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.http.upstream.Http1DecodedHeaders;
import io.remora.http.upstream.LowerCaseNames;

import java.util.Iterator;
import java.util.Map;

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
    static final AsciiString TRAILERS = io.netty.handler.codec.http.HttpHeaderValues.TRAILERS;

    private Http1Headers() {
    }

    /** Headers that describe one hop's connection, never forwarded (RFC 9110 7.6.1). */
    static boolean connectionSpecific(CharSequence lowerName) {
        return CONNECTION.contentEquals(lowerName) || KEEP_ALIVE.contentEquals(lowerName)
                || PROXY_CONNECTION.contentEquals(lowerName) || TRANSFER_ENCODING.contentEquals(lowerName)
                || UPGRADE.contentEquals(lowerName) || HTTP2_SETTINGS.contentEquals(lowerName);
    }

    static final AsciiString CHUNKED = AsciiString.cached("chunked");

    /** Why a request head is refused before it becomes a stream: Envoy's status and details. */
    record Rejection(int status, String reason, String details) {
    }

    /**
     * Envoy's HTTP/1.1 codec and connection manager checks that Netty's decoder does not make, or
     * null when the request head is acceptable. Each rejection closes the connection after the reply.
     */
    static Rejection validate(HttpRequest req) {
        HttpHeaders h = req.headers();
        // Looked at only when present: getAll makes a list and Strings.
        java.util.List<String> te = h.contains(TRANSFER_ENCODING) ? h.getAll(TRANSFER_ENCODING) : java.util.List.of();
        if (!te.isEmpty() && (te.size() > 1 || !CHUNKED.contentEqualsIgnoreCase(te.get(0).trim()))) {
            // Only "chunked" on its own is a coding Envoy knows how to frame (RFC 9112 6.1).
            return new Rejection(501, "Not Implemented", "http1.invalid_transfer_encoding");
        }
        String uri = req.uri();
        for (int i = 0; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                return new Rejection(400, "Bad Request", "http1.codec_error");
            }
            if (c == '#') {
                // RFC 9112 3.2: no fragment in a request-target (Envoy's http_reject_path_with_fragment).
                return new Rejection(400, "Bad Request", "path_normalization_failed");
            }
        }
        int hosts = 0;
        if (h instanceof Http1DecodedHeaders decoded) {
            hosts = decoded.hostCount();
        } else {
            for (Iterator<? extends CharSequence> it = h.valueCharSequenceIterator(HOST); it.hasNext() && hosts < 2; it.next()) {
                hosts++;
            }
        }
        if (hosts > 1) {
            return new Rejection(400, "Bad Request", "http1.codec_error");
        }
        boolean connect = "CONNECT".equals(req.method().name());
        if (hosts == 0 && !connect && req.protocolVersion().minorVersion() >= 1 && !uri.contains("://")) {
            return new Rejection(400, "Bad Request", "missing_host_header");
        }
        return null;
    }

    /**
     * Headers the client named in {@code Connection} as hop-by-hop (RFC 9110 7.6.1), lower case;
     * null when there are none. Framing and routing headers are never dropped this way: they were
     * already used for this hop, and dropping Host would change where the request goes.
     */
    static java.util.Set<AsciiString> nominatedHopByHop(HttpHeaders in) {
        java.util.Set<AsciiString> out = null;
        for (String v : in.getAll(CONNECTION)) {
            for (String token : v.split(",")) {
                AsciiString t = AsciiString.of(token.trim()).toLowerCase();
                if (t.isEmpty() || HOST.contentEquals(t) || CONTENT_LENGTH.contentEquals(t)
                        || t.contentEquals("close") || t.contentEquals("keep-alive")) {
                    continue;
                }
                if (out == null) {
                    out = new java.util.HashSet<>();
                }
                out.add(t);
            }
        }
        return out;
    }

    static final AsciiString CONTENT_LENGTH = HttpHeaderNames.CONTENT_LENGTH;

    /**
     * Whether a request head asks for an upgrade the proxy tunnels (Envoy's isUpgrade): Connection
     * names "upgrade" and Upgrade is set, h2c excepted (never proxied: it is about this hop).
     */
    static boolean isTunnelUpgrade(HttpRequest req) {
        String upgrade = req.headers().get(UPGRADE);
        if (upgrade == null || upgrade.isEmpty() || "h2c".equalsIgnoreCase(upgrade.trim())) {
            return false;
        }
        for (String c : req.headers().getAll(CONNECTION)) {
            if (Upgrades.hasToken(c, "upgrade")) {
                return true;
            }
        }
        return false;
    }

    /** Normalizes a request: :method, :scheme, :authority (Host or absolute URI), :path. */
    static Http2Headers toHttp2(HttpRequest req, String scheme) {
        return toHttp2(req, scheme, false);
    }

    /**
     * As {@link #toHttp2(HttpRequest, String)}; with {@code upgrade} the Upgrade and Connection
     * headers are kept (Envoy forwards them verbatim for upgrades).
     */
    static Http2Headers toHttp2(HttpRequest req, String scheme, boolean upgrade) {
        HttpHeaders in = req.headers();
        if (in instanceof Http1DecodedHeaders decoded) {
            return inPlace(req, decoded, scheme, upgrade);
        }
        DefaultHttp2Headers out = new DefaultHttp2Headers(false, in.size() + 4);
        requestLine(req, out, scheme);
        java.util.Set<AsciiString> nominated = in.contains(CONNECTION) ? nominatedHopByHop(in) : null;
        if (upgrade && nominated != null) {
            nominated.remove(UPGRADE);
        }
        Iterator<Map.Entry<CharSequence, CharSequence>> it = in.iteratorCharSequence();
        while (it.hasNext()) {
            Map.Entry<CharSequence, CharSequence> e = it.next();
            AsciiString name = LowerCaseNames.of(e.getKey());
            if (upgrade && (UPGRADE.contentEquals(name) || CONNECTION.contentEquals(name))) {
                out.add(name, e.getValue());
                continue;
            }
            if (connectionSpecific(name) || EXPECT.contentEquals(name)
                    || (nominated != null && nominated.contains(name))) {
                continue;
            }
            if (HOST.contentEquals(name)) {
                if (out.authority() == null) {
                    out.authority(e.getValue());
                }
                continue;
            }
            if (TE.contentEquals(name) && !AsciiString.contentEqualsIgnoreCase(TRAILERS, e.getValue())) {
                continue;
            }
            out.add(name, e.getValue());
        }
        return out;
    }

    /**
     * The same normalization on the block the decoder filled ({@link Http1DecodedHeaders}): the
     * request line becomes pseudo-headers on it and what must not travel is removed, no copy.
     */
    private static Http2Headers inPlace(HttpRequest req, Http1DecodedHeaders in, String scheme, boolean upgrade) {
        Http2Headers out = in.block();
        requestLine(req, out, scheme);
        if (!in.hasSpecial()) {
            return out;
        }
        // Only the names the head had are looked for (HttpHeaderNames' constants, which the
        // decoded block records by identity): usually just host.
        java.util.Set<AsciiString> nominated = in.had(CONNECTION) ? nominatedHopByHop(in) : null;
        if (nominated != null) {
            for (AsciiString name : nominated) {
                if (!upgrade || !(UPGRADE.contentEquals(name) || CONNECTION.contentEquals(name))) {
                    out.remove(name);
                }
            }
        }
        if (!upgrade) {
            removeIfHad(in, out, CONNECTION);
            removeIfHad(in, out, UPGRADE);
        }
        removeIfHad(in, out, KEEP_ALIVE);
        removeIfHad(in, out, PROXY_CONNECTION);
        removeIfHad(in, out, TRANSFER_ENCODING);
        removeIfHad(in, out, HTTP2_SETTINGS);
        removeIfHad(in, out, EXPECT);
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
            for (Iterator<CharSequence> te = out.valueIterator(TE); te.hasNext(); ) {
                if (!AsciiString.contentEqualsIgnoreCase(TRAILERS, te.next())) {
                    te.remove();
                }
            }
        }
        return out;
    }

    private static void removeIfHad(Http1DecodedHeaders in, Http2Headers out, AsciiString name) {
        if (in.had(name)) {
            out.remove(name);
        }
    }

    /** :method, and :path/:scheme/:authority from the request-target (RFC 9112 3.2). */
    private static void requestLine(HttpRequest req, Http2Headers out, String scheme) {
        out.method(req.method().asciiName());
        String uri = req.uri();
        boolean connect = "CONNECT".equals(req.method().name());
        if (connect) {
            out.authority(uri);
        } else {
            int schemeEnd = uri.startsWith("/") ? -1 : uri.indexOf("://");
            if (schemeEnd > 0) {
                // absolute-form (a proxy request): the URI carries authority and path.
                int hostStart = schemeEnd + 3;
                int pathStart = uri.indexOf('/', hostStart);
                int queryStart = uri.indexOf('?', hostStart);
                if (pathStart < 0 || (queryStart >= 0 && queryStart < pathStart)) {
                    int end = queryStart < 0 ? uri.length() : queryStart;
                    out.authority(uri.substring(hostStart, end));
                    out.path(queryStart < 0 ? "/" : "/" + uri.substring(queryStart));
                } else {
                    out.authority(uri.substring(hostStart, pathStart));
                    out.path(uri.substring(pathStart));
                }
            } else {
                out.path(uri);
            }
            out.scheme(scheme);
        }
    }

    /** Removes what must not travel on an HTTP/2 stream. */
    static void stripConnectionSpecific(Http2Headers h) {
        h.remove(CONNECTION);
        h.remove(KEEP_ALIVE);
        h.remove(PROXY_CONNECTION);
        h.remove(TRANSFER_ENCODING);
        h.remove(UPGRADE);
    }
}
