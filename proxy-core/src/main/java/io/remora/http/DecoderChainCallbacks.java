package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.remora.http.filter.DecoderFilterCallbacks;

/** What a decoder's callbacks do with the chain it sits in: the same for a stream's filters and a try's. */
interface DecoderChainCallbacks extends DecoderFilterCallbacks {

    /** The request's iteration the filter is part of. */
    FilterIteration decodeChain();

    /** The filter's place in it. */
    int chainIndex();

    @Override
    default void continueDecoding() {
        decodeChain().continueFrom(chainIndex());
    }

    @Override
    default ByteBuf decodingBuffer() {
        return decodeChain().bufferedAfter(chainIndex());
    }

    @Override
    default void injectDecodedDataToFilterChain(ByteBuf data, boolean endStream) {
        decodeChain().data(chainIndex() + 1, data, endStream);
    }

    @Override
    default void addDecodedData(ByteBuf data) {
        decodeChain().addBodyToHeaders(data);
    }
}
