package io.remora.extensions.filters.http.buffer;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamDecoderFilter;

/**
 * Holds a request until its whole body has arrived (Envoy's buffer filter): the headers wait here,
 * the filter manager buffers the body up to {@code max_request_bytes} (413 past it), and the
 * request goes on with a content-length when it had none.
 */
final class BufferFilter implements StreamDecoderFilter {

    private static final AsciiString CONTENT_LENGTH = AsciiString.cached("content-length");

    private final BufferConfig config;
    private DecoderFilterCallbacks cb;
    /** The held request headers while buffering; null when the filter lets the request pass. */
    private Http2Headers headers;
    private long received;

    BufferFilter(BufferConfig config) {
        this.config = config;
    }

    @Override
    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        this.cb = callbacks;
    }

    @Override
    public FilterStatus decodeHeaders(Http2Headers h, boolean endStream) {
        if (endStream) {
            return FilterStatus.CONTINUE; // no body to wait for
        }
        BufferConfig settings = cb.perFilterConfig() instanceof BufferConfig route ? route : config;
        if (settings.disabled()) {
            return FilterStatus.CONTINUE;
        }
        cb.setDecoderBufferLimit(settings.maxRequestBytes());
        headers = h;
        return FilterStatus.STOP_ITERATION;
    }

    @Override
    public FilterStatus decodeData(ByteBuf data, boolean endStream) {
        if (headers == null) {
            return FilterStatus.CONTINUE;
        }
        received += data.readableBytes();
        if (received > cb.bufferLimit()) {
            // Into the manager's buffer, which is now over the limit: it answers 413 as for any chunk.
            return FilterStatus.STOP_ITERATION_AND_BUFFER;
        }
        if (!endStream) {
            return FilterStatus.STOP_ITERATION_AND_BUFFER;
        }
        addContentLength();
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus decodeTrailers(Http2Headers trailers) {
        if (headers != null) {
            addContentLength();
        }
        return FilterStatus.CONTINUE;
    }

    private void addContentLength() {
        if (!headers.contains(CONTENT_LENGTH)) {
            headers.setLong(CONTENT_LENGTH, received);
        }
    }
}
