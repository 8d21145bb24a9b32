package io.remora.http;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;

/**
 * The connection manager's last touches on response headers (Envoy's
 * ConnectionManagerUtility::mutateResponseHeaders and the overload manager's
 * disable_http_keepalive): a date header when the response has none (Envoy's ActiveStream::encodeHeaders),
 * the server header as server_header_transformation says, the request's
 * x-request-id (always_set_request_id_in_response, or a forced trace), Via, Proxy-Status
 * (proxy_status_config), and Connection: close
 * (HTTP/1) or a drain (HTTP/2) while keep-alive is disabled. Static.
 */
final class ResponseHeaderMutator {
    private static final AsciiString SERVER = AsciiString.cached("server");
    private static final AsciiString CLOSE = AsciiString.cached("close");
    private static final AsciiString FORCE_TRACE = AsciiString.cached("x-envoy-force-trace");

    private ResponseHeaderMutator() {
    }

    /**
     * An interim response's touches: Envoy's encode1xxHeaders runs mutateResponseHeaders with an
     * empty Via and leaves the date, server and drain logic to the final response, so only the
     * request id (the codecs drop the connection's own headers).
     */
    static void mutate1xx(Http2Headers headers, ActiveStream s) {
        requestId(headers, s);
    }

    private static void requestId(Http2Headers headers, ActiveStream s) {
        Http2Headers request = s.requestHeaders;
        if (request != null && (s.hcm.config.alwaysSetRequestIdInResponse() || request.contains(FORCE_TRACE))) {
            CharSequence id = request.get(RequestHeaderMutator.X_REQUEST_ID);
            if (id != null) {
                headers.set(RequestHeaderMutator.X_REQUEST_ID, id);
            }
        }
    }

    /** {@code upgradeAccepted}: the response turns the stream into a tunnel, no longer HTTP. */
    static void mutate(Http2Headers headers, ActiveStream s, boolean upgradeAccepted) {
        HttpConnectionManager hcm = s.hcm;
        if (!headers.contains(HttpDate.DATE)) {
            headers.set(HttpDate.DATE, HttpDate.now());
        }
        switch (hcm.serverHeaderTransformation) {
            case OVERWRITE -> headers.set(SERVER, hcm.serverName);
            case APPEND_IF_ABSENT -> {
                if (!headers.contains(SERVER)) {
                    headers.set(SERVER, hcm.serverName);
                }
            }
            default -> {
            }
        }
        requestId(headers, s);
        if (hcm.config.via() != null) {
            RequestHeaderMutator.appendVia(headers, hcm.config.via());
        }
        io.remora.config.ProxyStatusConfig proxyStatus = hcm.config.proxyStatus();
        if (proxyStatus != null) {
            ProxyStatusHeader.apply(headers, s.info, proxyStatus, proxyStatus.proxyName() != null
                    ? proxyStatus.proxyName() : proxyStatus.useNodeId() ? hcm.context.node().id() : hcm.serverName);
        }
        ConnectionContext cx = s.cx;
        if (!upgradeAccepted && !cx.draining && !hcm.draining() && hcm.overload.shouldDisableKeepalive()) {
            // Envoy's disable_http_keepalive: HTTP/1 closes after this response, HTTP/2 drains
            // (GOAWAY) once this stream's frames are out.
            s.hcm.stats.downstreamCxOverloadDisableKeepalive.increment();
            if (cx.http2) {
                cx.channel.eventLoop().execute(cx::drain);
            } else {
                headers.set(Http1Headers.CONNECTION, CLOSE);
            }
        }
    }
}
