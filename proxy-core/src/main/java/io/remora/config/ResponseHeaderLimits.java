package io.remora.config;

/**
 * A cluster's {@code common_http_protocol_options} for the responses of its upstreams:
 * {@code max_headers_count} and {@code max_response_headers_kb}. A response over a limit is an
 * upstream protocol error (Envoy's codec error: 503 UPE). The cluster's
 * {@code headers_with_underscores_action} is not here: Envoy's client codecs never apply it
 * (only its server codecs override checkHeaderNameForUnderscores).
 *
 * @param maxCount the most response headers (Envoy's default 100)
 * @param maxBytes the largest response header section in bytes (Envoy's default 60 KiB)
 */
public record ResponseHeaderLimits(int maxCount, int maxBytes) {

    public static final ResponseHeaderLimits DEFAULT = new ResponseHeaderLimits(100, 60 * 1024);
}
