package io.remora.config;

/**
 * A cluster's {@code common_http_protocol_options} for the responses of its upstreams:
 * {@code max_headers_count}, {@code max_response_headers_kb} and
 * {@code headers_with_underscores_action}. A response over a limit, or one whose header names
 * carry '_' under REJECT_REQUEST, is an upstream protocol error (Envoy's codec error: 503 UPE);
 * DROP_HEADER removes those headers.
 *
 * @param maxCount the most response headers (Envoy's default 100)
 * @param maxBytes the largest response header section in bytes (Envoy's default 60 KiB)
 */
public record ResponseHeaderLimits(int maxCount, int maxBytes,
                                   HttpConnectionManagerConfig.HeadersWithUnderscoresAction underscores) {

    public static final ResponseHeaderLimits DEFAULT = new ResponseHeaderLimits(100, 60 * 1024,
            HttpConnectionManagerConfig.HeadersWithUnderscoresAction.ALLOW);
}
