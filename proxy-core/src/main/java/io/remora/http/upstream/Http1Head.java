package io.remora.http.upstream;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.util.AsciiString;
import io.remora.http.HeaderBlock;

/**
 * The head of the HTTP/1.1 message an {@link Http1Parser} is on: start line, header block, and
 * what the parser learnt from the headers that frame and manage the message (so nobody looks them
 * up again). Reused from one message to the next; the header block is new for each.
 */
public final class Http1Head {

    /** {@link #frame(boolean)}'s answer for a transfer coding Envoy does not implement (501). */
    static final String NOT_IMPLEMENTED = "http1.invalid_transfer_encoding";
    /** Both transfer-encoding and content-length, without allow_chunked_length. */
    static final String CHUNKED_LENGTH = "http1.content_length_and_chunked_not_allowed";
    /** A CONNECT with a content-length other than 0. */
    static final String BODY_DISALLOWED = "http1.body_disallowed";

    public final boolean request;
    /** Request: method and request-target as sent. */
    public AsciiString method;
    public AsciiString target;
    /** Response: status code, and the code in decimal (leading zeros dropped, as Envoy's setStatus). */
    public int status;
    public AsciiString statusText;
    /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
    public int minorVersion;
    /** The header block, in the internal (HTTP/2-style) form: names lower case, no pseudo-headers yet. */
    public HeaderBlock headers;
    /** Which names the internal form must drop or rewrite (hop-by-hop, host, te, expect) arrived: bits. */
    private int special;
    /** How many host headers arrived (more than one is refused): counted, not looked up per request. */
    private int hosts;
    /** -1 without a content-length. */
    public long contentLength;
    public boolean chunked;
    boolean bodyless;
    int contentLengths;
    int transferEncodings;
    /** The last transfer-encoding value is exactly "chunked". */
    boolean teChunked;
    public boolean connectionClose;
    public boolean connectionKeepAlive;
    /** Proxy-Connection holds "close" (connectionClose is set with it). */
    public boolean proxyConnectionClose;
    public boolean connectionUpgrade;
    public boolean expectContinue;
    /** The first Upgrade header's value, or null. */
    public AsciiString upgrade;

    /** Free heads of the worker whose thread this is, requests' and responses': a few, for the messages in progress. */
    private static final io.netty.util.concurrent.FastThreadLocal<java.util.ArrayDeque<Http1Head>[]> FREE =
            new io.netty.util.concurrent.FastThreadLocal<>() {
                @Override
                @SuppressWarnings("unchecked")
                protected java.util.ArrayDeque<Http1Head>[] initialValue() {
                    return new java.util.ArrayDeque[] {new java.util.ArrayDeque<Http1Head>(), new java.util.ArrayDeque<Http1Head>()};
                }
            };
    /** A burst of messages in progress at once is not kept once it is over. */
    static final int MAX_FREE = 256;

    Http1Head(boolean request) {
        this.request = request;
    }

    /** A head from the worker's free list when it has one: a parser holds one only while a message is in progress. */
    static Http1Head acquire(boolean request) {
        Http1Head h = FREE.get()[request ? 1 : 0].pollFirst();
        return h != null ? h : new Http1Head(request);
    }

    /** Back to the worker's free list; nothing of the message stays with it. */
    void release() {
        reset();
        java.util.ArrayDeque<Http1Head> free = FREE.get()[request ? 1 : 0];
        if (free.size() < MAX_FREE) {
            free.addFirst(this);
        }
    }

    /** Free heads of the calling worker, requests' or responses' (tests: on the worker's thread). */
    static int freeOnThisWorker(boolean request) {
        return FREE.get()[request ? 1 : 0].size();
    }

    void reset() {
        method = target = statusText = upgrade = null;
        status = 0;
        minorVersion = 1;
        headers = null;
        special = hosts = 0;
        contentLength = -1;
        chunked = bodyless = teChunked = false;
        contentLengths = transferEncodings = 0;
        connectionClose = connectionKeepAlive = proxyConnectionClose = connectionUpgrade = expectContinue = false;
    }

    /**
     * Lets go of the start line's strings and the header block once the listener has taken them
     * (the block travels on with the stream): a keep-alive connection waiting for its next request
     * then holds no part of the last one. The framing fields stay for the body that follows.
     */
    public void dropBlock() {
        method = target = statusText = upgrade = null;
        headers = null;
    }

    /** Notes a header of the head as it goes into the block. */
    void noted(AsciiString lowerName) {
        special |= specialBit(lowerName);
        if (lowerName == HttpHeaderNames.HOST) {
            hosts++;
        }
    }

    /** How many host headers the head had. */
    public int hostCount() {
        return hosts;
    }

    /** Whether any of the names {@link #specialBit} knows arrived: only then is there something to strip. */
    public boolean hasSpecial() {
        return special != 0;
    }

    /**
     * Whether the head had a header of one of the names {@link #specialBit} knows (given as that
     * constant): a head without it needs no lookup to remove it.
     */
    public boolean had(AsciiString specialName) {
        return (special & specialBit(specialName)) != 0;
    }

    /** The names that never travel as decoded (connection-specific, and the ones a proxy rewrites): a bit each. */
    private static int specialBit(AsciiString lower) {
        if (lower == HttpHeaderNames.CONNECTION) {
            return 1;
        } else if (lower == HttpHeaderNames.KEEP_ALIVE) {
            return 1 << 1;
        } else if (lower == HttpHeaderNames.PROXY_CONNECTION) {
            return 1 << 2;
        } else if (lower == HttpHeaderNames.TRANSFER_ENCODING) {
            return 1 << 3;
        } else if (lower == HttpHeaderNames.UPGRADE) {
            return 1 << 4;
        } else if (lower == HttpHeaderNames.HOST) {
            return 1 << 5;
        } else if (lower == HttpHeaderNames.TE) {
            return 1 << 6;
        } else if (lower == HttpHeaderNames.EXPECT) {
            return 1 << 7;
        } else if (HTTP2_SETTINGS.contentEquals(lower)) {
            return 1 << 8;
        }
        return 0;
    }

    private static final AsciiString HTTP2_SETTINGS = AsciiString.cached("http2-settings");

    /** The message ends with its head: no body follows it. */
    public boolean bodyless() {
        return bodyless;
    }

    public boolean http10() {
        return minorVersion == 0;
    }

    /** RFC 9112 9.3: HTTP/1.1 persists unless told to close; HTTP/1.0 only when asked to keep alive. */
    public boolean keepAlive() {
        return !connectionClose && (minorVersion == 1 || connectionKeepAlive);
    }

    /**
     * A request's answer to whether its connection persists, as Envoy's connection manager asks
     * HeaderUtility::shouldCloseConnection with the connection's protocol ({@code http10}: the
     * connection ever read a request other than HTTP/1.1): HTTP/1.0 persists only with a
     * keep-alive token, whatever else Connection says ("keep-alive, close" included), HTTP/1.1
     * unless a close token; Proxy-Connection: close ends either.
     */
    public boolean keepsServerConnection(boolean http10) {
        if (proxyConnectionClose) {
            return false;
        }
        return http10 ? connectionKeepAlive : !connectionClose;
    }

    private static final AsciiString ZERO = AsciiString.cached("0");

    /**
     * How the body is framed (RFC 9112 6.3), or an error's response code details. Requests as
     * Envoy's codec takes them: only "chunked" on its own is a coding it frames (501 otherwise)
     * (more than one content-length, equal or not, was refused as it arrived: {@link Http1FieldNotes});
     * content-length beside transfer-encoding is refused either way unless {@code allowChunkedLength}.
     * Responses likewise, as Envoy's client codec: only "chunked" is framed (else a protocol error),
     * without a length they run to the connection's end, and a 1xx or 204 may not carry framing.
     */
    String frame(boolean allowChunkedLength) {
        boolean connect = request && method == HttpMethod.CONNECT.asciiName();
        if (connect && contentLengths > 0) {
            // As Envoy's codec: a CONNECT has no body (RFC 9110 9.3.6); a length of "0" is dropped.
            if (!ZERO.contentEquals(headers.get(HttpHeaderNames.CONTENT_LENGTH))) {
                return BODY_DISALLOWED;
            }
            headers.remove(HttpHeaderNames.CONTENT_LENGTH);
            contentLengths = 0;
            contentLength = -1;
        }
        if (transferEncodings > 0 && contentLengths > 0) {
            // As Envoy's codec, both directions: refused, or with allow_chunked_length (and
            // chunked coding) read chunked, the length dropped so it does not travel on.
            boolean chunkedCoding = request ? transferEncodings == 1 && teChunked : teChunked;
            if (!allowChunkedLength || !chunkedCoding) {
                return CHUNKED_LENGTH;
            }
            headers.remove(HttpHeaderNames.CONTENT_LENGTH);
            contentLengths = 0;
            contentLength = -1;
        }
        if (request) {
            if (transferEncodings > 0) {
                if (transferEncodings > 1 || !teChunked || connect) {
                    return NOT_IMPLEMENTED;
                }
                chunked = true;
            }
            bodyless = !chunked && contentLength <= 0;
            return null;
        }
        if (transferEncodings > 0) {
            // As Envoy's codec, which checks responses as it checks requests: a coding other than
            // "chunked" alone is one it cannot frame, an upstream protocol error.
            if (transferEncodings > 1 || !teChunked) {
                return NOT_IMPLEMENTED;
            }
            chunked = true;
        }
        if (status < 200 || status == 204) {
            // Envoy's client codec: such a response has no body, so a framing header is an error,
            // save a content-length of 0, which it drops.
            if (transferEncodings > 0) {
                return "http1.transfer_encoding_not_allowed";
            }
            if (contentLengths > 0) {
                // Envoy's codec compares the value's text with "0": "00" is a length it refuses.
                if (!ZERO.contentEquals(headers.get(HttpHeaderNames.CONTENT_LENGTH))) {
                    return "http1.content_length_not_allowed";
                }
                headers.remove(HttpHeaderNames.CONTENT_LENGTH);
            }
        }
        bodyless = (status >= 100 && status < 200) || status == 204 || status == 304
                || (!chunked && contentLength == 0);
        return null;
    }
}
