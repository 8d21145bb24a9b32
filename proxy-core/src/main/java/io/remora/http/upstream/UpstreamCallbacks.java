package io.remora.http.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;

/**
 * What a pool tells the requester of one upstream stream, always on the stream's event loop:
 * first {@link #onPoolReady} or {@link #onPoolFailure}; after ready, the response (headers, data,
 * trailers; the last call carries endStream) or one {@link #onReset}. Nothing arrives after the
 * requester called {@link UpstreamStream#reset()}.
 */
public interface UpstreamCallbacks {

    void onPoolReady(UpstreamStream stream);

    /** No stream could be made: connect failure/timeout ({@link ResetReason#CONNECTION_FAILURE}) or overflow. */
    void onPoolFailure(ResetReason reason, String transportFailureReason);

    /** Response headers with :status (1xx informational responses are not passed). */
    void onResponseHeaders(Http2Headers headers, boolean endStream);

    /** The upstream answered the request's Expect: 100-continue; other 1xx are dropped, as Envoy's codecs do. */
    default void onResponse100Continue() {
    }

    /** Ownership of data passes to the callee. */
    void onResponseData(ByteBuf data, boolean endStream);

    void onResponseTrailers(Http2Headers trailers);

    void onReset(ResetReason reason);

    /**
     * The stream's connection closed under it (just before {@link #onReset}), how the connection
     * saw it, and the reason when this proxy closed it ({@code %UPSTREAM_DETECTED_CLOSE_TYPE%},
     * {@code %UPSTREAM_LOCAL_CLOSE_REASON%}); called only once a format reads them.
     */
    default void onConnectionClosed(io.remora.accesslog.ConnectionCloses.Type type, String localReason) {
    }

    /**
     * The byte meters of the stream this upstream request serves, for a codec that keeps Envoy's
     * upstream meter; null when none is kept (no format reads them, or a request of Remora's own).
     */
    default io.remora.accesslog.WireBytes wireBytes() {
        return null;
    }

    /** The upstream write side crossed a watermark: stop or resume feeding request data. */
    void onWritabilityChanged(boolean writable);
}
