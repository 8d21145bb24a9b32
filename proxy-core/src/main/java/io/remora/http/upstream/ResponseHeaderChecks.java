package io.remora.http.upstream;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.ResponseHeaderLimits;

import java.util.Map;

/** A response head from an upstream checked against its cluster's {@link ResponseHeaderLimits}, either codec. */
final class ResponseHeaderChecks {

    private ResponseHeaderChecks() {
    }

    /**
     * Whether the response's headers are within {@code max_headers_count}; with
     * {@code pseudoCounted}, :status counts too, as Envoy's HTTP/2 codec counts every field of the
     * map, where its HTTP/1 codec counts the header lines.
     */
    static boolean accept(ResponseHeaderLimits limits, Http2Headers headers, boolean pseudoCounted) {
        int counted = 0;
        for (Map.Entry<CharSequence, CharSequence> e : headers) {
            CharSequence name = e.getKey();
            if (!pseudoCounted && name.length() > 0 && name.charAt(0) == ':') {
                continue;
            }
            counted++;
        }
        return counted <= limits.maxCount();
    }

    /**
     * Trailers past {@code max_headers_count}: Envoy's codecs count a trailer section on its own
     * against the same limit as the head (HTTP/1 completeCurrentHeader, HTTP/2 saveHeader), a codec
     * error of the connection (HTTP/1) or a reset of the stream (HTTP/2).
     */
    static boolean tooManyTrailers(ResponseHeaderLimits limits, Http2Headers trailers) {
        return trailers.size() > limits.maxCount();
    }
}
