package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.http.filter.EncoderFilterCallbacks;
import io.remora.http.filter.StreamEncoderFilter;

/**
 * An encoder filter's callbacks; {@code index} counts in encode order (the last configured
 * encoder is 0).
 */
final class EncoderFilterSlot extends FilterSlot implements EncoderFilterCallbacks {

    final StreamEncoderFilter filter;

    EncoderFilterSlot(ActiveStream stream, FilterManager manager, int index, String name, StreamEncoderFilter filter) {
        super(stream, manager, index, name);
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
