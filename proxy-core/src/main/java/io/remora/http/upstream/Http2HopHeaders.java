package io.remora.http.upstream;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.http.HeaderBlock;
import io.remora.http.Upgrades;

/**
 * The header rules of an upstream HTTP/2 hop: what a request may not carry on it (connection-specific
 * fields, Host, RFC 9113 8.2.2), an HTTP/1.1 upgrade sent as an extended CONNECT (RFC 8441), and the
 * response side of the same translation. Stateless; the stream keeps what it learns.
 */
final class Http2HopHeaders {
    private static final AsciiString HTTP = AsciiString.cached("http");
    private static final AsciiString HOST = AsciiString.cached("host");
    private static final AsciiString STATUS_101 = AsciiString.cached("101");
    private static final AsciiString STATUS_200 = AsciiString.cached("200");
    private static final AsciiString STATUS_204 = AsciiString.cached("204");
    private static final AsciiString ZERO = AsciiString.cached("0");
    private static final AsciiString TE = AsciiString.cached("te");
    private static final AsciiString TRAILERS = AsciiString.cached("trailers");

    private Http2HopHeaders() {
    }

    /**
     * Whether the request can go on this hop as it is, which is nearly always: no CONNECT or
     * upgrade, a :scheme, no Host and no connection-specific header. The encoder only reads it.
     */
    static boolean sendsAsIs(Http2Headers h) {
        if (h.scheme() == null || Upgrades.isConnect(h)) {
            return false;
        }
        HeaderBlock block = HeaderBlock.of(h);
        for (int i = block.pseudoCount(); i < block.size(); i++) {
            CharSequence name = block.name(i);
            if (HeaderConversion.isHopByHop(name) || AsciiString.contentEqualsIgnoreCase(name, HOST)
                    || (AsciiString.contentEqualsIgnoreCase(name, TE)
                    && !AsciiString.contentEqualsIgnoreCase(block.value(i), TRAILERS))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Rewrites this hop's own copy of a request ({@code connect}: a CONNECT) for HTTP/2: the upgrade
     * it stands for when it was an HTTP/1.1 upgrade, now an extended CONNECT; otherwise null.
     */
    static String rewrite(Http2Headers headers, boolean connect) {
        String upgradeProtocol = null;
        if (!connect && Upgrades.isUpgrade(headers)) {
            // RFC 8441: an HTTP/1.1 upgrade becomes an extended CONNECT with :protocol.
            upgradeProtocol = headers.get(Upgrades.UPGRADE).toString();
            headers.method(Upgrades.CONNECT);
            headers.set(Http2Headers.PseudoHeaderName.PROTOCOL.value(), upgradeProtocol);
        }
        HeaderConversion.stripHopByHop(headers);
        headers.remove(HOST);
        if (connect) {
            // A plain CONNECT names only its authority (RFC 9113 8.5).
            headers.remove(Http2Headers.PseudoHeaderName.PATH.value());
            headers.remove(Http2Headers.PseudoHeaderName.SCHEME.value());
        } else if (headers.scheme() == null) {
            headers.scheme(HTTP);
        }
        return upgradeProtocol;
    }

    /**
     * Why a response head makes the response invalid, or null when it does not: a :status missing,
     * not three digits, or 101 (no upgrade on HTTP/2), a 1xx that ends the stream, a 1xx or 204
     * with a content-length other than 0. oghttp2's header validator (HandleContentLength too) and
     * its 1xx END_STREAM check, which Envoy's codec takes as messaging errors.
     */
    static String headFault(Http2Headers headers, CharSequence status, boolean endStream) {
        if (status == null) {
            return "response without :status";
        }
        if (!threeDigits(status)) {
            return "malformed :status";
        }
        boolean informational = status.charAt(0) == '1';
        if (informational && (endStream || AsciiString.contentEquals(status, STATUS_101))) {
            return endStream ? "1xx response with END_STREAM" : "101 response on HTTP/2";
        }
        if (informational || AsciiString.contentEquals(status, STATUS_204)) {
            CharSequence length = headers.get(HttpHeaderNames.CONTENT_LENGTH);
            if (length != null && !AsciiString.contentEquals(length, ZERO)) {
                return "content-length on a response without a body";
            }
        }
        return null;
    }

    private static boolean threeDigits(CharSequence status) {
        if (status.length() != 3) {
            return false;
        }
        for (int i = 0; i < 3; i++) {
            char c = status.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** An interim (1xx) response other than 101 that does not end the stream: skipped by the stream. */
    static boolean interim(CharSequence status, boolean endStream) {
        return status != null && status.length() == 3 && status.charAt(0) == '1'
                && !AsciiString.contentEquals(status, STATUS_101) && !endStream;
    }

    /**
     * An extended CONNECT for {@code upgradeProtocol} (null when the request was none) that was
     * accepted (200) becomes, to the router, the upgrade's 101.
     */
    static void upgradeAccepted(Http2Headers headers, CharSequence status, CharSequence upgradeProtocol) {
        if (upgradeProtocol != null && status != null && AsciiString.contentEquals(status, STATUS_200)) {
            headers.status(STATUS_101);
            headers.set(Upgrades.UPGRADE, upgradeProtocol);
            headers.set(Upgrades.CONNECTION, Upgrades.UPGRADE);
        }
    }

    /** The :status's code, 0 when absent or not digits. */
    static int statusCode(CharSequence status) {
        if (status == null) {
            return 0;
        }
        int code = 0;
        for (int i = 0; i < status.length(); i++) {
            char c = status.charAt(i);
            if (c < '0' || c > '9') {
                return 0;
            }
            code = code * 10 + (c - '0');
        }
        return code;
    }
}
