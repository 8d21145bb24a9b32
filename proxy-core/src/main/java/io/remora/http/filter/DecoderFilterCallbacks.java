package io.remora.http.filter;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.accesslog.ResponseFlag;
import io.remora.accesslog.StreamInfo;
import io.remora.network.ConnectionInfo;
import io.remora.route.RouteEntry;
import io.remora.server.ServerContext;

/**
 * What a decoder filter (and the router) can do with its stream; implemented by the connection
 * manager. Every method must be called on {@link #eventLoop()}.
 */
public interface DecoderFilterCallbacks {

    EventLoop eventLoop();

    ServerContext serverContext();

    ConnectionInfo connection();

    StreamInfo streamInfo();

    /** "HTTP/1.1" or "HTTP/2". */
    String downstreamProtocol();

    /** The matched route, or null (no route matched). Resolved before the first filter runs. */
    RouteEntry route();

    /** Forces the route to be looked up again (after a filter changed the headers). */
    void clearRouteCache();

    // --- request path: resume iteration after STOP_ITERATION ---

    void continueHeaders(Http2Headers headers, boolean endStream);

    void continueData(ByteBuf data, boolean endStream);

    void continueTrailers(Http2Headers trailers);

    // --- response path, towards downstream (through encoder filters) ---

    /**
     * Sends response headers (with {@code :status}); the connection manager adds Envoy's
     * response headers (server, route mutations) on the way. x-envoy-upstream-service-time is
     * the router's to add, as only it knows when the upstream answered.
     */
    void encodeHeaders(Http2Headers headers, boolean endStream);

    /** Ownership of data passes to the connection manager. */
    void encodeData(ByteBuf data, boolean endStream);

    void encodeTrailers(Http2Headers trailers);

    /**
     * Answers locally and ends the stream, as Envoy's sendLocalReply: for gRPC requests a
     * trailers-only response with the mapped grpc-status, else {@code status} with a text body.
     * If the response has already started, the stream is reset instead. Sets the flag and
     * {@code response_code_details} on the stream info.
     */
    void sendLocalReply(int status, String body, ResponseFlag flag, String details);

    /** Resets the downstream stream (HTTP/2 RST_STREAM, HTTP/1.1 connection close). */
    void resetStream();

    // --- flow control ---

    /** Stop reading request data from downstream (an upstream is not writable). */
    void pauseDecoding();

    void resumeDecoding();

    /**
     * Registers who to tell when the downstream side stops or resumes accepting response data,
     * so the router can pause reading from upstream.
     */
    void setDownstreamWatermarkCallbacks(WatermarkCallbacks callbacks);

    /** How many request body bytes a filter may buffer (the listener's per-connection limit). */
    int bufferLimit();
}
