package io.remora.extensions.filters.http.cdn_loop;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamDecoderFilter;

import java.util.List;

/**
 * Envoy's CDN-Loop filter for one request: a CDN-Loop header that does not parse gets 400, one
 * that already names this proxy's cdn-id more than {@code max_allowed_occurrences} times gets 502
 * (the request went round a loop of CDNs); otherwise the cdn-id is appended and the request goes on.
 */
final class CdnLoopFilter implements StreamDecoderFilter {
    static final AsciiString CDN_LOOP = AsciiString.cached("cdn-loop");

    private final CdnLoopSettings config;
    private DecoderFilterCallbacks cb;

    CdnLoopFilter(CdnLoopSettings config) {
        this.config = config;
    }

    @Override
    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        this.cb = callbacks;
    }

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        List<CharSequence> values = headers.getAll(CDN_LOOP);
        String existing = null;
        if (!values.isEmpty()) {
            // Repeated header lines are one comma-separated list, as Envoy's inline header joins them.
            existing = values.size() == 1 ? values.get(0).toString() : String.join(",", values);
            long count;
            try {
                count = CdnLoopParser.cdnIds(existing).stream().filter(config.cdnId()::equals).count();
            } catch (IllegalArgumentException e) {
                cb.sendLocalReply(400, "Invalid CDN-Loop header in request.", null, "invalid_cdn_loop_header");
                return FilterStatus.STOP_ITERATION;
            }
            if (count > config.maxAllowedOccurrences()) {
                cb.sendLocalReply(502, "The server has detected a loop between CDNs.", null, "cdn_loop_detected");
                return FilterStatus.STOP_ITERATION;
            }
        }
        headers.set(CDN_LOOP, existing == null ? config.cdnId() : existing + "," + config.cdnId());
        return FilterStatus.CONTINUE;
    }
}
