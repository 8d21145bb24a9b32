package io.remora.http.upstream;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;

import java.util.Map;

/**
 * Between the internal HTTP/2-style headers and HTTP/1.1 messages, dropping connection-specific
 * headers both ways (RFC 9113 §8.2.2), since each hop has its own connection semantics.
 */
public final class HeaderConversion {
    private static final AsciiString KEEP_ALIVE = AsciiString.cached("keep-alive");
    private static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");
    private static final io.netty.handler.codec.http.HttpHeadersFactory HEADERS =
            io.netty.handler.codec.http.DefaultHttpHeadersFactory.headersFactory().withValidation(false);

    private HeaderConversion() {
    }

    /** Connection-specific: never forwarded to another hop. */
    public static boolean isHopByHop(CharSequence name) {
        return AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.CONNECTION)
                || AsciiString.contentEqualsIgnoreCase(name, KEEP_ALIVE)
                || AsciiString.contentEqualsIgnoreCase(name, PROXY_CONNECTION)
                || AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.TRANSFER_ENCODING)
                || AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.UPGRADE);
    }

    /** Removes hop-by-hop headers; {@code te} survives only as "trailers" (gRPC needs it). */
    public static void stripHopByHop(Http2Headers h) {
        stripHopByHop(h, false);
    }

    /**
     * As {@link #stripHopByHop(Http2Headers)}; with {@code upgrade} the Upgrade and Connection
     * headers stay (Envoy forwards an upgrade request's verbatim).
     */
    public static void stripHopByHop(Http2Headers h, boolean upgrade) {
        if (upgrade) {
            h.remove(KEEP_ALIVE);
            h.remove(PROXY_CONNECTION);
            h.remove(HttpHeaderNames.TRANSFER_ENCODING);
            CharSequence te = h.get(HttpHeaderNames.TE);
            if (te != null && !AsciiString.contentEqualsIgnoreCase(te, HttpHeaderValues.TRAILERS)) {
                h.remove(HttpHeaderNames.TE);
            }
            return;
        }
        h.remove(HttpHeaderNames.CONNECTION);
        h.remove(KEEP_ALIVE);
        h.remove(PROXY_CONNECTION);
        h.remove(HttpHeaderNames.TRANSFER_ENCODING);
        h.remove(HttpHeaderNames.UPGRADE);
        CharSequence te = h.get(HttpHeaderNames.TE);
        if (te != null && !AsciiString.contentEqualsIgnoreCase(te, HttpHeaderValues.TRAILERS)) {
            h.remove(HttpHeaderNames.TE);
        }
    }

    /**
     * For the last content of a message written without trailers: Netty's default makes an empty
     * header map for every one.
     */
    public static final io.netty.handler.codec.http.HttpHeadersFactory NO_TRAILERS =
            new io.netty.handler.codec.http.HttpHeadersFactory() {
                @Override
                public HttpHeaders newHeaders() {
                    return io.netty.handler.codec.http.EmptyHttpHeaders.INSTANCE;
                }

                @Override
                public HttpHeaders newEmptyHeaders() {
                    return io.netty.handler.codec.http.EmptyHttpHeaders.INSTANCE;
                }
            };

    /** An HTTP/1.1 request head; chunked unless the body is known (content-length or none). */
    public static HttpRequest toHttp1Request(Http2Headers h, boolean endStream) {
        HttpMethod method = HttpMethod.valueOf(String.valueOf(h.method()));
        CharSequence path = h.path();
        boolean connect = method == HttpMethod.CONNECT;
        // An upgrade or CONNECT carries tunnel bytes after its head: no chunked framing, and the
        // upgrade headers go along (Envoy's HTTP/1 codec does not chunk-encode upgrade requests).
        boolean tunnel = connect || io.remora.http.Upgrades.isUpgrade(h);
        CharSequence authority = h.authority();
        String target = connect ? (authority == null ? "" : authority.toString()) : path == null ? "/" : path.toString();
        if (!tunnel && viewable(h)) {
            // The common case: the encoder reads the block through a view, host first; no copy.
            Http1HeaderView view = new Http1HeaderView(h, HeaderConversion::hiddenUpstream)
                    .lead(HttpHeaderNames.HOST, authority);
            frame(view, method, endStream);
            return new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, target, view);
        }
        HttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, target, HEADERS);
        HttpHeaders out = req.headers();
        if (authority != null) {
            out.add(HttpHeaderNames.HOST, authority);
        }
        StringBuilder cookies = null;
        for (Map.Entry<CharSequence, CharSequence> e : h) {
            CharSequence name = e.getKey();
            if (name.length() > 0 && name.charAt(0) == ':') {
                continue;
            }
            if (tunnel && !connect && (AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.UPGRADE)
                    || AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.CONNECTION))) {
                out.add(name, e.getValue());
                continue;
            }
            if (isHopByHop(name) || AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.HOST)) {
                continue;
            }
            if (AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.TE)
                    && !AsciiString.contentEqualsIgnoreCase(e.getValue(), HttpHeaderValues.TRAILERS)) {
                continue;
            }
            if (AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.COOKIE)) {
                // HTTP/2 may split cookies; HTTP/1.1 wants one header (RFC 9113 §8.2.3).
                if (cookies == null) {
                    cookies = new StringBuilder();
                } else {
                    cookies.append("; ");
                }
                cookies.append(e.getValue());
                continue;
            }
            out.add(name, e.getValue());
        }
        if (cookies != null) {
            out.add(HttpHeaderNames.COOKIE, cookies.toString());
        }
        if (!tunnel) {
            frame(out, method, endStream);
        }
        return req;
    }

    /** Chunked unless the body is known: a content-length, or none (a bodiless POST/PUT/PATCH says 0). */
    private static void frame(HttpHeaders out, HttpMethod method, boolean endStream) {
        if (!out.contains(HttpHeaderNames.CONTENT_LENGTH)) {
            if (!endStream) {
                out.add(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            } else if (method == HttpMethod.POST || method == HttpMethod.PUT || method == HttpMethod.PATCH) {
                out.add(HttpHeaderNames.CONTENT_LENGTH, HttpHeaderValues.ZERO);
            }
        }
    }

    /**
     * Whether a request block reads as HTTP/1.1 headers without rewriting: at most one cookie
     * header (HTTP/2 may split them; HTTP/1.1 wants one) and no {@code te} other than trailers.
     */
    private static boolean viewable(Http2Headers h) {
        int cookies = 0;
        for (Map.Entry<CharSequence, CharSequence> e : h) {
            CharSequence name = e.getKey();
            if (AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.COOKIE) && ++cookies > 1) {
                return false;
            }
            if (AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.TE)
                    && !AsciiString.contentEqualsIgnoreCase(e.getValue(), HttpHeaderValues.TRAILERS)) {
                return false;
            }
        }
        return true;
    }

    /** What a request's view leaves out: hop-by-hop headers, and host (written from :authority). */
    private static boolean hiddenUpstream(CharSequence name) {
        return isHopByHop(name) || AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.HOST);
    }

    /** A :status value as a number; 0 when it is not three digits. */
    public static int parseStatus(CharSequence s) {
        if (s == null || s.length() != 3) {
            return 0;
        }
        int n = 0;
        for (int i = 0; i < 3; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return 0;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    /** Response head from HTTP/1.1, lower-cased, with :status first. */
    public static Http2Headers toHttp2Response(HttpResponse res) {
        if (res.headers() instanceof Http1DecodedHeaders decoded) {
            Http2Headers h = inPlace(decoded);
            h.status(res.status().codeAsText());
            return h;
        }
        Http2Headers h = new DefaultHttp2Headers(false, res.headers().size() + 1);
        h.status(res.status().codeAsText());
        copyHeaders(res.headers(), h);
        return h;
    }

    /** Trailers (or any header block) from HTTP/1.1. */
    public static Http2Headers toHttp2Headers(HttpHeaders in) {
        if (in instanceof Http1DecodedHeaders decoded) {
            return inPlace(decoded);
        }
        Http2Headers h = new DefaultHttp2Headers(false, in.size());
        copyHeaders(in, h);
        return h;
    }

    /** A block decoded straight into the internal form: only the hop-by-hop names to drop. */
    private static Http2Headers inPlace(Http1DecodedHeaders decoded) {
        Http2Headers h = decoded.block();
        if (decoded.hasSpecial()) {
            h.remove(HttpHeaderNames.CONNECTION);
            h.remove(KEEP_ALIVE);
            h.remove(PROXY_CONNECTION);
            h.remove(HttpHeaderNames.TRANSFER_ENCODING);
            h.remove(HttpHeaderNames.UPGRADE);
        }
        return h;
    }

    private static void copyHeaders(HttpHeaders in, Http2Headers out) {
        var it = in.iteratorCharSequence();
        while (it.hasNext()) {
            Map.Entry<CharSequence, CharSequence> e = it.next();
            CharSequence name = e.getKey();
            if (isHopByHop(name)) {
                continue;
            }
            out.add(LowerCaseNames.of(name), e.getValue());
        }
    }

    /** HTTP/1.1 trailers from the internal form (pseudo-headers never appear in trailers). */
    public static void copyTrailers(Http2Headers in, HttpHeaders out) {
        for (Map.Entry<CharSequence, CharSequence> e : in) {
            if (e.getKey().length() > 0 && e.getKey().charAt(0) != ':') {
                out.add(e.getKey(), e.getValue());
            }
        }
    }
}
