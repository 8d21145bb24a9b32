package io.remora.http;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.accesslog.ResponseFlag;
import io.remora.config.HttpConnectionManagerConfig;
import io.remora.route.HostPort;
import io.remora.stats.HttpConnManagerStats;

/**
 * Envoy's checks of a request's headers before any filter sees them (ConnectionManagerImpl's
 * decodeHeaders): overload's stop_accepting_requests, max_headers_count, header names with '_'
 * (headers_with_underscores_action, which Envoy's codecs apply), HTTP/1.0 (426 unless
 * accept_http_10), a host, a path (but for CONNECT) that is relative, escaped slashes and path normalization, then the
 * Host's normalization (which access logs see). A request that fails gets its local reply here.
 * Static: nothing per request.
 */
final class RequestHeaderChecks {
    private static final AsciiString LOCATION = AsciiString.cached("location");
    private static final AsciiString LOCAL_OVERLOADED = AsciiString.cached("x-envoy-local-overloaded");
    private static final AsciiString TRUE = AsciiString.cached("true");

    private RequestHeaderChecks() {
    }

    /** True when the request was answered here and goes no further. */
    static boolean rejected(ActiveStream s, Http2Headers headers, CharSequence method, CharSequence path) {
        HttpConnectionManager hcm = s.hcm;
        if (hcm.overload.shouldStopAcceptingRequest() || hcm.overload.shedDecodeHeaders.shouldShedLoad()) {
            // Envoy's stop_accepting_requests and http_connection_manager_decode_headers: no filter chain, 503 at once.
            s.hcm.stats.downstreamRqOverloadClose.increment();
            s.sendLocalReply(503, "envoy overloaded", ResponseFlag.OVERLOAD_MANAGER, "overload",
                    hcm.config.appendLocalOverload() ? h -> h.set(LOCAL_OVERLOADED, TRUE) : null, -1);
            return true;
        }
        if (s.encoder instanceof Http1Stream h1 && headers instanceof HeaderBlock b) {
            // Envoy's HTTP/1 codec counts the header lines as it reads them (Host one of them, the
            // request line none) and refuses past the limit as a codec error: 431, then close.
            int lines = b.size() - b.pseudoCount() + (b.authority() != null ? 1 : 0);
            if (lines > hcm.maxRequestHeadersCount) {
                h1.protocolError(431, "http1.too_many_headers");
                return true;
            }
        } else if (headers.size() > hcm.maxRequestHeadersCount) {
            // Envoy's HTTP/2 codec counts every field, pseudo-headers too, and resets the stream.
            if (s.encoder instanceof Http2DownstreamStream h2) {
                h2.headersOverLimits();
            } else {
                s.info.responseCodeDetails = Http2DownstreamStream.TOO_MANY_HEADERS;
                s.resetStream();
            }
            return true;
        }
        if (hcm.config.headersWithUnderscoresAction() != HttpConnectionManagerConfig.HeadersWithUnderscoresAction.ALLOW
                && underscores(s, headers)) {
            return true;
        }
        if (s.encoder instanceof Http1Stream h1 && h1.http10) {
            // Envoy's connection manager: HTTP/1.0 only when accept_http_10 says so.
            if (!hcm.config.http1AcceptHttp10()) {
                // A codec protocol error in Envoy: the connection closes after the 426, keep-alive or not.
                h1.closeAfterResponse = true;
                hcm.stats.downstreamCxProtocolError.increment();
                s.sendLocalReply(426, "", null, "low_version");
                return true;
            }
            if (headers.authority() == null && hcm.config.http1DefaultHostForHttp10() != null) {
                headers.authority(hcm.config.http1DefaultHostForHttp10());
                s.info.authority(hcm.config.http1DefaultHostForHttp10());
            }
        }
        if (headers.authority() == null) {
            // Envoy's connection manager wants a host of every request: an HTTP/1.x one without Host
            // (HTTP/1.0: nor default_host_for_http_10), an HTTP/2 one without :authority or host.
            // Its headers are the stream's, for the access log and local_reply_config.
            s.sendLocalReply(400, "", null, "missing_host_header");
            return true;
        }
        if (path == null && (method == null || !AsciiString.contentEquals("CONNECT", method))) {
            s.sendLocalReply(400, "Bad Request", ResponseFlag.DOWNSTREAM_PROTOCOL_ERROR, "missing_path_rejected");
            return true;
        }
        if (path != null && path.length() > 0 && path.charAt(0) != '/') {
            // Envoy serves relative paths only: an absolute-form target the HTTP/1.1 codec left whole
            // (allow_absolute_url false), or any other path that is not origin-form.
            hcm.stats.downstreamRqNonRelativePath.increment();
            s.sendLocalReply(404, "", null, "absolute_path_rejected");
            return true;
        }
        HttpConnectionManagerConfig.EscapedSlashesAction slashes = hcm.config.escapedSlashesAction();
        boolean redirect = false;
        if (path != null && slashes != HttpConnectionManagerConfig.EscapedSlashesAction.KEEP_UNCHANGED) {
            String unescaped = PathNormalizer.unescapeSlashes(path);
            if (unescaped != null) {
                if (slashes == HttpConnectionManagerConfig.EscapedSlashesAction.REJECT_REQUEST) {
                    return failedNormalization(s);
                }
                redirect = slashes == HttpConnectionManagerConfig.EscapedSlashesAction.UNESCAPE_AND_REDIRECT;
                headers.path(unescaped);
                s.info.path(unescaped);
                path = unescaped;
            }
        }
        if (path != null && (hcm.config.normalizePath() || hcm.config.mergeSlashes())) {
            String normalized = PathNormalizer.apply(headers, path, hcm.config.normalizePath(), hcm.config.mergeSlashes());
            s.info.path(normalized);
            if (normalized == null) {
                return failedNormalization(s);
            }
        }
        if (redirect) {
            // gRPC clients do not follow redirects: they get the rejection instead.
            if (s.grpc) {
                return failedNormalization(s);
            }
            hcm.stats.downstreamRqRedirectedWithNormalizedPath.increment();
            CharSequence location = headers.path();
            s.sendLocalReply(307, "", null, "path_normalization_failed", h -> h.set(LOCATION, location), -1);
            return true;
        }
        normalizeHost(s, headers, method);
        return false;
    }

    /**
     * headers_with_underscores_action, as Envoy's codecs apply it: DROP_HEADER removes each header
     * whose name has '_'; REJECT_REQUEST answers HTTP/1 with 400 (then closes) and resets an HTTP/2
     * stream. True when the request was refused.
     */
    private static boolean underscores(ActiveStream s, Http2Headers headers) {
        java.util.List<CharSequence> found = null;
        for (java.util.Map.Entry<CharSequence, CharSequence> e : headers) {
            CharSequence name = e.getKey();
            if (name.length() > 0 && name.charAt(0) != ':' && AsciiString.indexOf(name, '_', 0) >= 0) {
                if (found == null) {
                    found = new java.util.ArrayList<>(2);
                }
                found.add(name.toString()); // a copy: the removals below may move the block's bytes
            }
        }
        if (found == null) {
            return false;
        }
        HttpConnManagerStats stats = s.hcm.stats;
        boolean h1 = s.encoder instanceof Http1Stream;
        if (s.hcm.config.headersWithUnderscoresAction()
                == HttpConnectionManagerConfig.HeadersWithUnderscoresAction.DROP_HEADER) {
            for (CharSequence name : found) {
                headers.remove(name);
                (h1 ? stats.http1DroppedHeadersWithUnderscores : stats.http2DroppedHeadersWithUnderscores).increment();
            }
            return false;
        }
        if (s.encoder instanceof Http1Stream stream) {
            stats.http1RequestsRejectedWithUnderscores.increment();
            stream.protocolError(400, "http1.unexpected_underscore");
        } else {
            stats.http2RequestsRejectedWithUnderscores.increment();
            s.info.setFlag(ResponseFlag.DOWNSTREAM_PROTOCOL_ERROR);
            s.info.responseCodeDetails = "http2.unexpected_underscore";
            s.resetStream();
        }
        return true;
    }

    private static boolean failedNormalization(ActiveStream s) {
        s.hcm.stats.downstreamRqFailedPathNormalization.increment();
        s.sendLocalReply(400, "Bad Request", null, "path_normalization_failed");
        return true;
    }

    /**
     * Envoy's maybeNormalizeHost: strip_trailing_host_dot, then strip_any_host_port or
     * strip_matching_host_port (the listener's port: after original_dst, the original
     * destination's). A CONNECT loses its port too (routing and the added headers see the host
     * alone); as Envoy's requestWasConnect (HTTP/1 CONNECT; HTTP/2 CONNECT or extended CONNECT) it
     * is kept for the router to put back upstream.
     */
    private static void normalizeHost(ActiveStream s, Http2Headers headers, CharSequence method) {
        HttpConnectionManagerConfig cfg = s.hcm.config;
        HttpConnectionManagerConfig.StripPortMode strip = cfg.stripPortMode();
        if (!cfg.stripTrailingHostDot() && strip == HttpConnectionManagerConfig.StripPortMode.NONE) {
            return;
        }
        CharSequence host = headers.authority();
        if (host == null) {
            return;
        }
        if (cfg.stripTrailingHostDot()) {
            String v = HostPort.withoutTrailingDot(host);
            if (v != null) {
                headers.authority(v);
                s.info.authority(v);
                host = v;
            }
        }
        if (strip == HttpConnectionManagerConfig.StripPortMode.NONE) {
            return;
        }
        int only = -1;
        if (strip == HttpConnectionManagerConfig.StripPortMode.MATCHING) {
            java.net.InetSocketAddress local = s.cx.localInet();
            if (local == null) {
                return;
            }
            only = local.getPort();
        }
        String v = HostPort.withoutPort(host, only);
        if (v != null) {
            boolean connect = method != null && AsciiString.contentEquals(Upgrades.CONNECT, method);
            if (connect || (s.cx.http2 && Upgrades.isUpgrade(headers))) {
                long port = Long.parseLong(host.subSequence(v.length() + 1, host.length()).toString());
                s.filterState().set(HostPort.ORIGINAL_CONNECT_PORT, port, io.remora.network.FilterState.Mutability.READ_ONLY);
            }
            headers.authority(v);
            s.info.authority(v);
        }
    }
}
