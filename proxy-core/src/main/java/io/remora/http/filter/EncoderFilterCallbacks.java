package io.remora.http.filter;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;

/** What an encoder filter can do with its stream (Envoy's StreamEncoderFilterCallbacks). */
public interface EncoderFilterCallbacks extends StreamFilterCallbacks {

    /** Resumes the response path after this filter stopped it. */
    void continueEncoding();

    /** Response body the manager holds for this filter (after STOP_ITERATION_AND_BUFFER), or null. */
    ByteBuf encodingBuffer();

    /** Hands body data to the encoder filters after this one; ownership passes to the manager. */
    void injectEncodedDataToFilterChain(ByteBuf data, boolean endStream);

    /**
     * Envoy's addEncodedData from {@code encodeHeaders} when the headers end the stream, or before
     * {@link #continueEncoding()} of such headers this filter held: the response goes on with
     * {@code data} (ownership passes) as its whole body. Released unused at other times.
     */
    void addEncodedData(ByteBuf data);

    /**
     * Hands trailers to the encoder filters after this one, ending the response (Envoy's
     * addEncodedTrailers, for a filter that turns a body's end into trailers).
     */
    void injectEncodedTrailersToFilterChain(Http2Headers trailers);

    /**
     * This filter holds more response than it should (Envoy's
     * onEncoderFilterAboveWriteBufferHighWatermark): the router stops reading the upstream until
     * as many {@link #onEncoderFilterBelowWriteBufferLowWatermark()} calls and a writable
     * downstream let it go on.
     */
    void onEncoderFilterAboveWriteBufferHighWatermark();

    /** Undoes one {@link #onEncoderFilterAboveWriteBufferHighWatermark()}. */
    void onEncoderFilterBelowWriteBufferLowWatermark();

    /** The response headers (null before they are encoded). */
    Http2Headers responseHeaders();
}
