package io.remora.http.filter;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.stats.HttpConnManagerStats;

/** What a decoder filter (and the router) can do with its stream (Envoy's StreamDecoderFilterCallbacks). */
public interface DecoderFilterCallbacks extends StreamFilterCallbacks {

    /**
     * Resumes the request path after this filter stopped it: held headers go to the next filter,
     * then the body the manager buffered, then trailers.
     */
    void continueDecoding();

    /** Request body the manager holds for this filter (after STOP_ITERATION_AND_BUFFER), or null. */
    ByteBuf decodingBuffer();

    /**
     * Hands body data to the filters after this one, as if this filter had returned CONTINUE with
     * it; ownership passes to the manager.
     */
    void injectDecodedDataToFilterChain(ByteBuf data, boolean endStream);

    /**
     * Envoy's addDecodedData from {@code decodeHeaders} when the headers end the stream, or before
     * {@link #continueDecoding()} of such headers this filter held: the request goes on with
     * {@code data} (ownership passes) as its whole body. Released unused at other times.
     */
    void addDecodedData(ByteBuf data);

    /**
     * Sets how much request body this stream may buffer (Envoy's setDecoderBufferLimit): past it,
     * body buffered with STOP_ITERATION_AND_BUFFER gets a 413; {@link #bufferLimit()} reports it.
     */
    void setDecoderBufferLimit(int limit);

    /**
     * Runs {@code listener} each time the stream's route is looked up again after a
     * {@link #clearRouteCache()} (Envoy's refreshCachedRoute), once the new route is cached.
     */
    default void onRouteRefreshed(Runnable listener) {
    }

    /**
     * The connection manager's limits on request headers (max_headers_count and
     * max_request_headers_kb, in bytes), which a filter adding headers keeps to (Envoy's header
     * map limits).
     */
    default int maxRequestHeadersCount() {
        return 100;
    }

    default int maxRequestHeadersBytes() {
        return 60 * 1024;
    }

    // --- response path, towards downstream, through every encoder filter ---

    /**
     * Sends response headers (with {@code :status}) through the encoder filters; the connection
     * manager adds its own response headers (server) at the end.
     */
    void encodeHeaders(Http2Headers headers, boolean endStream);

    /** Ownership of data passes to the filter manager. */
    void encodeData(ByteBuf data, boolean endStream);

    void encodeTrailers(Http2Headers trailers);

    /**
     * Passes an upstream's interim response (100, 102, 103 or 104) downstream when the connection
     * manager proxies 100-continue (else the proxy answered any expectation itself and this does
     * nothing). Ownership of headers passes. Encoder filters do not see it.
     */
    default void encode1xxHeaders(Http2Headers headers) {
    }

    /**
     * Envoy's recreateStream, for an internal redirect: this stream's filters are destroyed and the
     * request, its headers as they are now (the redirect's target) and {@code body} (may be null;
     * ownership passes), runs again from the route lookup through a new filter chain. Only for a
     * request that arrived whole and whose response has not gone downstream (an encoder may call it
     * on the response headers, a custom response does); false (body released) otherwise.
     */
    default boolean recreateStream(ByteBuf body) {
        if (body != null) {
            body.release();
        }
        return false;
    }

    /**
     * As {@link #recreateStream(ByteBuf)} for the upstream {@code response} that asked for it (a
     * followed redirect): the first run is access-logged with that response's status and headers,
     * as Envoy's {@code recreateStream(headers)}.
     */
    default boolean recreateStream(ByteBuf body, io.netty.handler.codec.http2.Http2Headers response) {
        return recreateStream(body);
    }

    // --- flow control ---

    /** Stop reading request data from downstream (an upstream is not writable). */
    void pauseDecoding();

    void resumeDecoding();

    /**
     * Registers who to tell when the downstream side stops or resumes accepting response data,
     * so the router can pause reading from upstream.
     */
    void setDownstreamWatermarkCallbacks(WatermarkCallbacks callbacks);

    /** The connection manager's stats (the router counts no_route, rq_redirect... there). */
    HttpConnManagerStats connectionManagerStats();

    /**
     * Envoy's shouldLoadShed: the overload manager's http_downstream_filter_check load shed point
     * says to shed this request (never for a listener that bypasses the overload manager).
     */
    default boolean shouldLoadShed() {
        return false;
    }

    /**
     * For an upstream filter, where its own stats go, as Envoy's stats prefix of upstream filter
     * factories: {@code cluster.<name>.} for a cluster's, empty (the root scope) for a router's;
     * null for a connection manager's filter (its stats are under {@code http.<stat_prefix>.}).
     */
    default String upstreamStatPrefix() {
        return null;
    }
}
