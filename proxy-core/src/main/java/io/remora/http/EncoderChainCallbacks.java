package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.http.filter.EncoderFilterCallbacks;

/** What an encoder's callbacks do with the chain it sits in: the same for a stream's filters and a try's. */
interface EncoderChainCallbacks extends EncoderFilterCallbacks {

    /** The response's iteration the filter is part of. */
    FilterIteration encodeChain();

    /** The filter's place in it, in encode order. */
    int chainIndex();

    @Override
    default void continueEncoding() {
        encodeChain().continueFrom(chainIndex());
    }

    @Override
    default ByteBuf encodingBuffer() {
        return encodeChain().bufferedAfter(chainIndex());
    }

    @Override
    default void injectEncodedDataToFilterChain(ByteBuf data, boolean endStream) {
        encodeChain().data(chainIndex() + 1, data, endStream);
    }

    @Override
    default void addEncodedData(ByteBuf data) {
        encodeChain().addBodyToHeaders(data);
    }

    @Override
    default void injectEncodedTrailersToFilterChain(Http2Headers trailers) {
        encodeChain().trailers(chainIndex() + 1, trailers);
    }
}
