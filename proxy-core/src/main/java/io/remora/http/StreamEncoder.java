package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;

/**
 * The codec half of one downstream stream: what the protocol-neutral {@link ActiveStream} asks of
 * the HTTP/1.1 connection or the HTTP/2 stream channel underneath it.
 */
interface StreamEncoder {

    void encodeHeaders(Http2Headers headers, boolean endStream);

    /** The proxy's own interim "100 Continue", before the response's headers; the stream stays where it was. */
    void encode100Continue();

    /** An upstream's interim response, before the final one's headers; the stream stays where it was. */
    void encode1xxHeaders(Http2Headers headers);

    /** Takes ownership of data. */
    void encodeData(ByteBuf data, boolean endStream);

    void encodeTrailers(Http2Headers trailers);

    /**
     * Aborts the stream: RST_STREAM on HTTP/2, closing the connection on HTTP/1.1.
     * {@code graceful} is true when the response already completed and only the unread rest
     * of the request is abandoned (RST_STREAM NO_ERROR / close after flush).
     */
    void resetStream(boolean graceful);

    /** Stops or resumes reading request data (counts are kept by the stream). */
    void readDisable(boolean disable);

    boolean isWritable();

    /** The connection manager is done with this stream; the codec may move on. */
    void streamDone();
}
