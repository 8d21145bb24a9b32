package io.remora.http.filter;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;

/**
 * An HTTP filter on the request path, as Envoy's {@code StreamDecoderFilter}. The connection
 * manager calls it on the stream's event loop, in order: headers once, data zero or more times,
 * trailers at most once; {@code endStream} marks the last call. Ownership of each {@link ByteBuf}
 * passes to the filter, which forwards it ({@link DecoderFilterCallbacks#continueData}) or
 * releases it. The last filter of a chain is the router.
 */
public interface StreamDecoderFilter {

    /** Called once before anything else. */
    void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks);

    FilterStatus decodeHeaders(Http2Headers headers, boolean endStream);

    FilterStatus decodeData(ByteBuf data, boolean endStream);

    FilterStatus decodeTrailers(Http2Headers trailers);

    /**
     * The stream ended early: downstream reset/closed, or a local reply or timeout ended it. The
     * filter releases whatever it holds and resets its upstream work. Called at most once.
     */
    void onDestroy();
}
