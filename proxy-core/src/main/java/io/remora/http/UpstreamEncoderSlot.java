package io.remora.http;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.http.filter.StreamEncoderFilter;

/** An upstream encoder filter's callbacks; {@code index} counts in encode order. */
final class UpstreamEncoderSlot extends UpstreamFilterSlot implements EncoderChainCallbacks {

    final StreamEncoderFilter filter;

    UpstreamEncoderSlot(UpstreamFilterManager manager, int index, String name, StreamEncoderFilter filter) {
        super(manager, index, name);
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

    /** The router reads the upstream as fast as the downstream takes it; a filter's hold does not pause it. */
    @Override
    public void onEncoderFilterAboveWriteBufferHighWatermark() {
    }

    @Override
    public void onEncoderFilterBelowWriteBufferLowWatermark() {
    }

    @Override
    public Http2Headers responseHeaders() {
        return manager.responseHeaders;
    }

    @Override
    public int bufferLimit() {
        return downstream().bufferLimit();
    }
}
