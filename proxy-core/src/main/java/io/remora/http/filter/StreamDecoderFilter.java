package io.remora.http.filter;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;

/**
 * An HTTP filter on the request path, as Envoy's {@code StreamDecoderFilter}. The filter manager
 * calls it on the stream's event loop in configuration order: headers once, data zero or more
 * times, trailers at most once; {@code endStream} marks the last call. A data buffer passed with
 * {@link FilterStatus#CONTINUE} stays the manager's (the filter may change it in place or replace
 * its content); with {@link FilterStatus#STOP_ITERATION} it becomes the filter's. The last filter of
 * a chain is the router.
 */
public interface StreamDecoderFilter extends StreamFilterBase {

    /** Called once before anything else. */
    void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks);

    FilterStatus decodeHeaders(Http2Headers headers, boolean endStream);

    default FilterStatus decodeData(ByteBuf data, boolean endStream) {
        return FilterStatus.CONTINUE;
    }

    default FilterStatus decodeTrailers(Http2Headers trailers) {
        return FilterStatus.CONTINUE;
    }
}
