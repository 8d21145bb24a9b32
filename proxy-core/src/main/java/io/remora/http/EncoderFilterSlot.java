package io.remora.http;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.http.filter.StreamEncoderFilter;

/**
 * An encoder filter's callbacks; {@code index} counts in encode order (the last configured
 * encoder is 0).
 */
final class EncoderFilterSlot extends FilterSlot implements EncoderChainCallbacks {

    final StreamEncoderFilter filter;

    EncoderFilterSlot(ActiveStream stream, FilterManager manager, int index, String name, StreamEncoderFilter filter) {
        super(stream, manager, index, name);
        this.filter = filter;
    }

    @Override
    public FilterIteration encodeChain() {
        return manager.encode;
    }

    @Override
    public int chainIndex() {
        return index;
    }

    @Override
    public void onEncoderFilterAboveWriteBufferHighWatermark() {
        stream.aboveHighWatermark();
    }

    @Override
    public void onEncoderFilterBelowWriteBufferLowWatermark() {
        stream.belowLowWatermark();
    }

    @Override
    public Http2Headers responseHeaders() {
        return manager.responseHeaders;
    }
}
