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

    /**
     * The pool had a connection for the stream but the cluster's {@code max_requests} was full:
     * Envoy's attachStreamToClient fails it as an overflow naming that connection's host (a
     * request turned away while it waited for a connection names none).
     */
    default void onAttachOverflow() {
        onPoolFailure(ResetReason.OVERFLOW, null);
    }

    /** Response headers with :status (1xx informational responses go to {@link #onResponse1xx}, or nowhere). */
    void onResponseHeaders(Http2Headers headers, boolean endStream);

    /**
     * An interim response of a status Envoy proxies ({@link #proxied1xx}), each one the upstream
     * sends before its final response; the requester decides which go on. Other 1xx but 101 are
     * dropped by the codecs: Envoy's UpstreamRequest::decodeHeaders drops them unseen.
     */
    default void onResponse1xx(Http2Headers headers) {
    }

    /**
     * Envoy's HeaderUtility::isSpecial1xx with its proxy_104 guard on (the default): 100 Continue,
     * 102 Processing, 103 Early Hints and 104 (resumable uploads) are proxied.
     */
    static boolean proxied1xx(int status) {
        return status == 100 || status == 102 || status == 103 || status == 104;
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

    /**
     * Whether the pool takes the cluster's {@code max_requests} slot for this stream when it binds
     * it to a connection and gives it back when the stream ends (Envoy's pools do for every
     * stream); false for a requester that holds a slot of its own for the whole exchange.
     */
    default boolean poolTakesRequestSlot() {
        return true;
    }

    /**
     * Whether the pool counts the host's {@code rq_success}/{@code rq_error} from this stream's
     * response code and resets; false for a requester that counts them itself, where Envoy's
     * router does (its tries).
     */
    default boolean poolCountsHostResults() {
        return true;
    }

    /** The upstream write side crossed a watermark: stop or resume feeding request data. */
    void onWritabilityChanged(boolean writable);

    /**
     * What the codec may hold of the request before it stops taking more (WebSocket bytes waiting
     * for the 101): the downstream stream's buffer limit, as Envoy's upstream filter manager
     * buffers under it.
     */
    default int requestBufferLimit() {
        return Integer.MAX_VALUE;
    }
}
