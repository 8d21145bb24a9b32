package io.remora.http;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.accesslog.ResponseFlag;

/**
 * Envoy's checks of a request's headers before any filter sees them (ConnectionManagerImpl's
 * decodeHeaders): overload's stop_accepting_requests, max_headers_count, a path (but for CONNECT),
 * path normalization. A request that fails gets its local reply here. Static: nothing per request.
 */
final class RequestHeaderChecks {

    private RequestHeaderChecks() {
    }

    /** True when the request was answered here and goes no further. */
    static boolean rejected(ActiveStream s, Http2Headers headers, CharSequence method, CharSequence path) {
        HttpConnectionManager hcm = s.hcm;
        if (hcm.overload.shouldStopAcceptingRequest()) {
            // Envoy's stop_accepting_requests: no filter chain, 503 at once.
            s.hcm.stats.downstreamRqOverloadClose.increment();
            s.sendLocalReply(503, "envoy overloaded", ResponseFlag.OVERLOAD_MANAGER, "overload");
            return true;
        }
        if (headers.size() > hcm.maxRequestHeadersCount) {
            s.sendLocalReply(431, "Request Header Fields Too Large", null, "http1.too_many_headers");
            return true;
        }
        if (path == null && (method == null || !AsciiString.contentEquals("CONNECT", method))) {
            s.sendLocalReply(400, "Bad Request", ResponseFlag.DOWNSTREAM_PROTOCOL_ERROR, "missing_path_rejected");
            return true;
        }
        if (path != null && (hcm.config.normalizePath() || hcm.config.mergeSlashes())) {
            String normalized = PathNormalizer.apply(headers, path, hcm.config.normalizePath(), hcm.config.mergeSlashes());
            s.info.path(normalized);
            if (normalized == null) {
                s.sendLocalReply(400, "Bad Request", null, "path_normalization_failed");
                return true;
            }
        }
        return false;
    }
}
