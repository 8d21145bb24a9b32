package io.remora.http.router;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.accesslog.ResponseFlag;
import io.remora.http.HeaderBlock;
import io.remora.http.Upgrades;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The RFC 6455 handshake of a WebSocket that came as an HTTP/2 extended CONNECT (RFC 8441, which has
 * no Sec-WebSocket-Key) and goes to an HTTP/1.1 upstream, as Envoy's UpstreamRequest
 * (maybeGenerateWebsocketKey) and upstream_codec_filter complete it: the try's request carries a key
 * of its own, the upstream's 101 must answer it with exactly one matching Sec-WebSocket-Accept (else
 * 502 UPE {@code websocket_handshake_invalid_accept}), and that accept, this hop's business, never
 * goes downstream. A key the client sent is left alone and not checked. An HTTP/1.1 upstream's
 * answer other than 101 below 400 is a refused handshake ({@link #refused}).
 */
final class WebSocketHandshake {
    static final AsciiString KEY = AsciiString.cached("sec-websocket-key");
    static final AsciiString ACCEPT = AsciiString.cached("sec-websocket-accept");
    private static final AsciiString TRANSFER_ENCODING = AsciiString.cached("transfer-encoding");
    private static final byte[] GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11".getBytes(StandardCharsets.US_ASCII);

    private WebSocketHandshake() {
    }

    /**
     * The headers try {@code a} sends: the request's, or its copy with a generated key when the
     * handshake is this hop's to complete (the accept it expects is kept on the tunnel).
     */
    static Http2Headers headers(RouterFilter r, UpstreamRequest a) {
        Tunnel t = r.tunnel;
        if (t == null || !t.upgrade || !"HTTP/2".equals(r.info.protocol) || a.stream == null
                || !"HTTP/1.1".equals(a.stream.protocol()) || a.headers.contains(KEY)
                || !Upgrades.isWebSocket(a.headers.get(Upgrades.UPGRADE))) {
            return a.headers;
        }
        byte[] nonce = new byte[16];
        ThreadLocalRandom.current().nextBytes(nonce);
        String key = Base64.getEncoder().encodeToString(nonce);
        t.expectedAccept = accept(key);
        Http2Headers copy = HeaderBlock.of(a.headers).copy(1);
        copy.set(KEY, key);
        return copy;
    }

    /**
     * Checks the upstream's answer to a generated key, and takes its accept out. False when a 101
     * did not answer the key: the try is over and the client has its 502.
     */
    static boolean answered(RouterFilter r, Http2Headers headers, int status) {
        Tunnel t = r.tunnel;
        String expected = t == null ? null : t.expectedAccept;
        if (expected == null) {
            return true;
        }
        List<CharSequence> accepts = headers.getAll(ACCEPT);
        boolean valid = accepts.size() == 1 && AsciiString.contentEquals(expected, accepts.get(0));
        headers.remove(ACCEPT);
        if (status != 101 || valid) {
            return true;
        }
        r.finish();
        r.cb.sendLocalReply(502, "", ResponseFlag.UPSTREAM_PROTOCOL_ERROR, "websocket_handshake_invalid_accept", null, -1);
        return false;
    }

    /**
     * An HTTP/1.1 upstream that answers a WebSocket upgrade with neither 101 nor an error refused the
     * handshake, as Envoy's upstream_codec_filter reads it (an HTTP/2 upstream's 200 is its 101, and a
     * 4xx/5xx goes downstream as it came): the client gets a local reply of that status with the
     * upstream's headers and without its body, {@code websocket_handshake_unsuccessful}. True when
     * that reply was sent and the try is over.
     */
    static boolean refused(RouterFilter r, UpstreamRequest a, Http2Headers headers, int status) {
        Tunnel t = r.tunnel;
        if (t == null || !t.upgrade || status < 200 || status >= 400 || a.stream == null
                || !"HTTP/1.1".equals(a.stream.protocol())
                || !Upgrades.isWebSocket(r.requestHeaders.get(Upgrades.UPGRADE))) {
            return false;
        }
        r.finish();
        r.cb.sendLocalReply(status, "", null, "websocket_handshake_unsuccessful", local -> {
            for (java.util.Map.Entry<CharSequence, CharSequence> e : headers) {
                CharSequence name = e.getKey();
                // The reply frames its own (empty) body; pseudo-headers are the reply's own.
                if (name.length() > 0 && name.charAt(0) != ':'
                        && !AsciiString.contentEqualsIgnoreCase(TRANSFER_ENCODING, name)) {
                    local.add(name, e.getValue());
                }
            }
        }, -1);
        return true;
    }

    /** RFC 6455 4.2.2: base64 of the SHA-1 of the key and the protocol's GUID. */
    static String accept(String key) {
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            sha1.update(key.getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(sha1.digest(GUID));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JDK has SHA-1
        }
    }
}
