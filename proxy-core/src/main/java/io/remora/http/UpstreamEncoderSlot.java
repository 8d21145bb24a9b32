package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.http.filter.EncoderFilterCallbacks;
import io.remora.http.filter.StreamEncoderFilter;

/** An upstream encoder filter's callbacks; {@code index} counts in encode order. */
final class UpstreamEncoderSlot extends UpstreamFilterSlot implements EncoderFilterCallbacks {

    final StreamEncoderFilter filter;

    UpstreamEncoderSlot(UpstreamFilterManager manager, int index, String name, StreamEncoderFilter filter) {
        super(manager, index, name);
        this.filter = filter;
    }

    @Override
    public void continueEncoding() {
        manager.encode.continueFrom(index);
    }

    @Override
    public ByteBuf encodingBuffer() {
        return manager.encode.bufferedAfter(index);
    }

    @Override
    public void injectEncodedDataToFilterChain(ByteBuf data, boolean endStream) {
        manager.encode.data(index + 1, data, endStream);
    }

    @Override
    public void addEncodedData(ByteBuf data) {
        manager.encode.addBodyToHeaders(data);
    }

    @Override
    public void injectEncodedTrailersToFilterChain(Http2Headers trailers) {
        manager.encode.trailers(index + 1, trailers);
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
