package io.remora.http.filter;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;

/**
 * An HTTP filter on the response path, as Envoy's {@code StreamEncoderFilter}: encoders run in the
 * reverse of configuration order, for upstream responses and local replies alike. Buffer ownership
 * follows {@link StreamDecoderFilter}'s rules.
 */
public interface StreamEncoderFilter extends StreamFilterBase {

    /** Called once before anything else. */
    void setEncoderFilterCallbacks(EncoderFilterCallbacks callbacks);

    FilterStatus encodeHeaders(Http2Headers headers, boolean endStream);

    default FilterStatus encodeData(ByteBuf data, boolean endStream) {
        return FilterStatus.CONTINUE;
    }

    default FilterStatus encodeTrailers(Http2Headers trailers) {
        return FilterStatus.CONTINUE;
    }
}
