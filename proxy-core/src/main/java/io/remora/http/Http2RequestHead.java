package io.remora.http;

import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;

/**
 * A downstream HTTP/2 request's opening HEADERS, checked and brought to the form the connection
 * manager reads before it sees them. Static, so the stream's hot path allocates nothing for it.
 */
final class Http2RequestHead {

    static final AsciiString PROTOCOL = Http2Headers.PseudoHeaderName.PROTOCOL.value();
    private static final AsciiString HOST = AsciiString.cached("host");
    private static final AsciiString GET = AsciiString.cached("GET");

    private Http2RequestHead() {
    }

    /** A request may carry host instead of :authority (RFC 9113 8.3.1); the rest of the proxy reads only :authority. */
    static void hostToAuthority(Http2Headers headers) {
        if (headers.authority() == null && headers.contains(HOST)) {
            headers.authority(headers.get(HOST));
        }
        headers.remove(HOST);
    }

    /**
     * RFC 9113 8.3.1 and 8.5, as Envoy's codecs check a request: :method, :scheme and :path; a
     * CONNECT (not extended) has :authority and neither :scheme nor :path. Any other request's
     * :path is "*" for OPTIONS or starts with "/" (oghttp2's ValidateRequestHeaders), so
     * "GET abc" or "GET *" is an invalid request, not one the connection manager answers.
     */
    static boolean pseudoHeadersComplete(Http2Headers h) {
        CharSequence method = h.method();
        if (method == null) {
            return false;
        }
        boolean connect = HttpMethod.CONNECT.asciiName().contentEquals(method);
        if (connect && !h.contains(PROTOCOL)) {
            return h.authority() != null && h.scheme() == null && h.path() == null;
        }
        CharSequence path = h.path();
        if (h.scheme() == null || path == null) {
            return false;
        }
        if (connect || path.charAt(0) == '/') { // an empty :path the field rules refused already
            return true;
        }
        return path.length() == 1 && path.charAt(0) == '*' && HttpMethod.OPTIONS.asciiName().contentEquals(method);
    }

    /**
     * RFC 8441 extended CONNECT to the HTTP/1.1 form the connection manager and router know
     * (Envoy's transformUpgradeRequestFromH2toH1): GET with Upgrade: <:protocol>.
     */
    static Http2Headers fromExtendedConnect(Http2Headers in) {
        Http2Headers out = new HeaderBlock(in.size() + 2);
        for (var e : in) {
            if (!PROTOCOL.contentEquals(e.getKey())) {
                out.add(e.getKey(), e.getValue());
            }
        }
        out.method(GET);
        out.set(Upgrades.UPGRADE, in.get(PROTOCOL));
        out.set(Upgrades.CONNECTION, Upgrades.UPGRADE);
        return out;
    }

    /** As Envoy without proxy_100_continue: the proxy answers the expectation and the upstream never sees it. */
    static void answerExpectContinue(ActiveStream active, Http2Headers headers, boolean endStream) {
        CharSequence expect = headers.get(Http1Headers.EXPECT);
        if (expect != null && AsciiString.contentEqualsIgnoreCase(expect, HttpHeaderValues.CONTINUE)) {
            headers.remove(Http1Headers.EXPECT);
            if (!endStream) {
                ResponseWriter.write100Continue(active);
            }
        }
    }
}
