package io.remora.http.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.http.HeaderBlock;
import io.remora.http.WriteBatch;


/**
 * Between the internal HTTP/2-style headers and HTTP/1.1 messages, dropping connection-specific
 * headers both ways (RFC 9113 §8.2.2), since each hop has its own connection semantics.
 */
public final class HeaderConversion {
    private static final AsciiString KEEP_ALIVE = HttpHeaderNames.KEEP_ALIVE;
    private static final AsciiString PROXY_CONNECTION = HttpHeaderNames.PROXY_CONNECTION;
    private static final AsciiString[] HOP_BY_HOP = {HttpHeaderNames.CONNECTION, KEEP_ALIVE, PROXY_CONNECTION,
        HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.UPGRADE};

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
            sanitizeTe(h);
            return;
        }
        h.remove(HttpHeaderNames.CONNECTION);
        h.remove(KEEP_ALIVE);
        h.remove(PROXY_CONNECTION);
        h.remove(HttpHeaderNames.TRANSFER_ENCODING);
        h.remove(HttpHeaderNames.UPGRADE);
        sanitizeTe(h);
    }

    /**
     * TE as Envoy's connection manager leaves it (sanitizeTEHeader): exactly "trailers" when any of
     * its comma-separated values is that (gRPC needs it), otherwise gone; several TE lines count as
     * one list, as Envoy joins them.
     */
    public static void sanitizeTe(Http2Headers h) {
        CharSequence first = h.get(HttpHeaderNames.TE);
        if (first == null || (HttpHeaderValues.TRAILERS.contentEquals(first) && singleTe(h))) {
            return;
        }
        boolean trailers = false;
        for (CharSequence value : h.getAll(HttpHeaderNames.TE)) {
            trailers |= listsTrailers(value);
        }
        if (trailers) {
            h.set(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS);
        } else {
            h.remove(HttpHeaderNames.TE);
        }
    }

    /** Whether TE is there once: by index on a block, as gRPC's every request has it. */
    private static boolean singleTe(Http2Headers h) {
        if (h instanceof HeaderBlock b) {
            return b.indexOf(HttpHeaderNames.TE, b.indexOf(HttpHeaderNames.TE, 0) + 1) < 0;
        }
        return h.getAll(HttpHeaderNames.TE).size() == 1;
    }

    private static boolean listsTrailers(CharSequence te) {
        int n = te.length();
        for (int start = 0; start <= n; ) {
            int comma = AsciiString.indexOf(te, ',', start);
            int end = comma < 0 ? n : comma;
            int s = start;
            int e = end;
            while (s < e && (te.charAt(s) == ' ' || te.charAt(s) == '\t')) {
                s++;
            }
            while (e > s && (te.charAt(e - 1) == ' ' || te.charAt(e - 1) == '\t')) {
                e--;
            }
            if (HttpHeaderValues.TRAILERS.contentEqualsIgnoreCase(te.subSequence(s, e))) {
                return true;
            }
            start = end + 1;
        }
        return false;
    }

    /**
     * An HTTP/1.1 request head written from the block into one buffer: the request line, host
     * (from :authority) first, the regular headers minus hop-by-hop ones (an HTTP/2 peer's cookie
     * crumbs arrive joined by its decoder, RFC 9113 8.2.3; repeats from elsewhere stay repeated, as
     * Envoy's HTTP/1 encoder writes its map), te only as "trailers", then the framing: {@code chunked} adds
     * transfer-encoding: chunked; a bodiless POST/PUT/PATCH without content-length says 0. An
     * upgrade or CONNECT ({@code tunnel}) carries tunnel bytes after its head: no framing, and an
     * upgrade's Upgrade and Connection go along (Envoy's HTTP/1 codec does not chunk them).
     */
    public static ByteBuf requestHead(ByteBufAllocator alloc, Http2Headers h, boolean endStream, boolean tunnel,
            boolean chunked) {
        return requestHead(alloc, h, endStream, tunnel, chunked, io.remora.config.Http1Options.DEFAULT, null);
    }

    /**
     * As above, for a cluster with these HTTP/1.1 options: names in {@code connectionCase} (null:
     * as held) unless the block carries its own case (preserve_case), and with
     * send_fully_qualified_url the request-target in absolute form, scheme://authority/path.
     */
    public static ByteBuf requestHead(ByteBufAllocator alloc, Http2Headers h, boolean endStream, boolean tunnel,
            boolean chunked, io.remora.config.Http1Options options, HeaderNameCase connectionCase) {
        CharSequence method = h.method();
        if (method == null) {
            method = HttpMethod.GET.asciiName();
        }
        boolean connect = AsciiString.contentEquals(CONNECT, method);
        boolean upgrade = tunnel && !connect;
        CharSequence authority = h.authority();
        CharSequence path = h.path();
        CharSequence target = connect ? (authority == null ? "" : authority) : path == null ? "/" : path;
        if (options.sendFullyQualifiedUrl() && !connect && authority != null) {
            CharSequence scheme = h.scheme();
            target = new StringBuilder().append(scheme == null ? "http" : scheme).append("://").append(authority)
                    .append(target);
        }
        HeaderBlock block = HeaderBlock.of(h);
        HeaderNameCase nameCase = block.nameCase() != null ? block.nameCase() : connectionCase;
        int size = Http1Wire.requestLineSize(method, target) + 2;
        if (authority != null) {
            size += Http1Wire.lineSize(HttpHeaderNames.HOST, authority);
        }
        int bodyRoom = 0;
        int count = block.size();
        for (int i = block.pseudoCount(); i < count; i++) {
            CharSequence name = block.name(i);
            CharSequence value = block.value(i);
            if (forwarded(name, value, upgrade)) {
                size += Http1Wire.lineSize(name, value);
                if (!endStream && !tunnel && !chunked
                        && AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.CONTENT_LENGTH)) {
                    bodyRoom = Http1Wire.smallLength(value);
                }
            }
        }
        CharSequence framing = null;
        if (!tunnel) {
            if (chunked) {
                framing = HttpHeaderValues.CHUNKED;
                size += Http1Wire.lineSize(HttpHeaderNames.TRANSFER_ENCODING, framing);
            } else if (endStream && !h.contains(HttpHeaderNames.CONTENT_LENGTH) && bodyExpected(method)) {
                framing = HttpHeaderValues.ZERO;
                size += Http1Wire.lineSize(HttpHeaderNames.CONTENT_LENGTH, framing);
            }
        }
        // Room for a small body sent in the same pass: the connection's write batch appends it.
        ByteBuf out = alloc.buffer(WriteBatch.headCapacity(size, bodyRoom));
        Http1Wire.requestLine(out, method, target);
        if (authority != null) {
            Http1Wire.header(out, HttpHeaderNames.HOST, authority, nameCase);
        }
        for (int i = block.pseudoCount(); i < count; i++) {
            CharSequence name = block.name(i);
            CharSequence value = block.value(i);
            if (forwarded(name, value, upgrade)) {
                Http1Wire.header(out, name, value, nameCase);
            }
        }
        if (framing == HttpHeaderValues.CHUNKED) {
            Http1Wire.header(out, HttpHeaderNames.TRANSFER_ENCODING, framing, nameCase);
        } else if (framing != null) {
            Http1Wire.header(out, HttpHeaderNames.CONTENT_LENGTH, framing, nameCase);
        }
        Http1Wire.endHead(out);
        return out;
    }

    private static final AsciiString CONNECT = AsciiString.cached("CONNECT");

    /** Methods whose request without a body still says content-length: 0. */
    private static boolean bodyExpected(CharSequence method) {
        return AsciiString.contentEquals(HttpMethod.POST.asciiName(), method)
                || AsciiString.contentEquals(HttpMethod.PUT.asciiName(), method)
                || AsciiString.contentEquals(HttpMethod.PATCH.asciiName(), method);
    }

    /** Whether a request header of the block goes upstream over HTTP/1.1. */
    private static boolean forwarded(CharSequence name, CharSequence value, boolean upgrade) {
        if (Http1Wire.pseudo(name)) {
            return false;
        }
        if (upgrade && (AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.UPGRADE)
                || AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.CONNECTION))) {
            return true;
        }
        if (isHopByHop(name) || AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.HOST)) {
            return false;
        }
        return !AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.TE)
                || AsciiString.contentEqualsIgnoreCase(value, HttpHeaderValues.TRAILERS);
    }

    /** A :status value as a number; 0 when it is no number (or none that fits an int). */
    /** Whether {@code s} is a status Envoy's getResponseStatusOrNullopt reads: digits that fit. */
    public static boolean isStatusNumber(CharSequence s) {
        if (s == null || s.length() == 0) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return s.length() < 10 || parseStatus(s) > 0 || s.chars().allMatch(c -> c == '0');
    }

    public static int parseStatus(CharSequence s) {
        // Any run of digits, as Envoy's getResponseStatusOrNullopt (SimpleAtoi): a status other
        // than three digits comes only from an HTTP/1.1 upstream (HTTP/2 ones are checked first).
        if (s == null || s.length() == 0) {
            return 0;
        }
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return 0;
            }
            n = Math.min(n * 10 + (c - '0'), Integer.MAX_VALUE + 1L);
        }
        return n > Integer.MAX_VALUE ? 0 : (int) n;
    }

    /**
     * Response head from HTTP/1.1, lower-cased, with :status first: the parsed block, hop-by-hop
     * names dropped but an upgrade response's Connection and Upgrade, which Envoy's connection
     * manager keeps for an upgrade request (mutateResponseHeaders) and each downstream codec
     * otherwise drops.
     */
    public static Http2Headers toHttp2Response(Http1Head head) {
        Http2Headers h = head.headers;
        if (head.hasSpecial()) {
            boolean upgrade = head.upgrade != null && head.connectionUpgrade;
            // Only the names the message had are looked for (usually just connection).
            for (AsciiString name : HOP_BY_HOP) {
                if (head.had(name) && !(upgrade && (name == HttpHeaderNames.CONNECTION || name == HttpHeaderNames.UPGRADE))) {
                    h.remove(name);
                }
            }
        }
        h.status(head.statusText);
        return h;
    }

    /** Trailers from HTTP/1.1 (rare): the parsed block, hop-by-hop names dropped. */
    public static Http2Headers trailers(Http2Headers parsed) {
        for (AsciiString name : HOP_BY_HOP) {
            parsed.remove(name);
        }
        return parsed;
    }
}
