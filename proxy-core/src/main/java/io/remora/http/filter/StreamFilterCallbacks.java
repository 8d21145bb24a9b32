package io.remora.http.filter;

import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.accesslog.ResponseFlag;
import io.remora.accesslog.StreamInfo;
import io.remora.config.RouteFilterConfig;
import io.remora.network.ConnectionInfo;
import io.remora.network.FilterState;
import io.remora.route.HeaderFormatter;
import io.remora.route.RouteEntry;
import io.remora.server.ServerContext;

import java.util.List;
import java.util.function.Consumer;

/**
 * What every HTTP filter can ask of its stream (Envoy's {@code StreamFilterCallbacks}); implemented
 * by the filter manager. Every method must be called on {@link #eventLoop()}.
 */
public interface StreamFilterCallbacks {

    EventLoop eventLoop();

    ServerContext serverContext();

    ConnectionInfo connection();

    StreamInfo streamInfo();

    /** "HTTP/1.0", "HTTP/1.1" or "HTTP/2": the request's, as Envoy's stream info protocol. */
    String downstreamProtocol();

    /** The name this filter has in the connection manager's {@code http_filters}. */
    String filterName();

    /**
     * The route for the request's current headers, resolved on first use after
     * {@link #clearRouteCache()}; null when none matched.
     */
    RouteEntry route();

    /**
     * The cluster the route sends to (for a weighted split, the one picked for this stream);
     * null for redirect, direct response, no route, or a cluster header that is absent.
     */
    String clusterName();

    /**
     * Forgets the route and cluster: the next {@link #route()} resolves them again from the
     * request headers as they are then (a filter changed them).
     */
    void clearRouteCache();

    /**
     * Envoy's requestRouteConfigUpdate (on-demand VHDS and SRDS): asks for the virtual host of the request's host
     * in the stream's RDS route configuration, or, with scoped RDS, loads the request's scope and its route
     * configuration. {@code done} later runs on the event loop with whether a route now matches, the stream's
     * route configuration and route read anew. False, and {@code done} never runs, when nothing can be asked (an
     * inline route configuration, one without VHDS, no host, no scope key): go on at once.
     */
    default boolean requestRouteConfigUpdate(Consumer<Boolean> done) {
        return false;
    }

    /**
     * This filter's {@code typed_per_filter_config} for the current route, the most specific
     * level that has one (weighted cluster, route, virtual host, route configuration); null if none.
     */
    RouteFilterConfig perFilterConfig();

    /**
     * Every level's config for this filter, least specific first (for filters that merge them, as
     * Envoy's {@code traversePerFilterConfig}).
     */
    List<RouteFilterConfig> perFilterConfigs();

    /** The request headers (null before they arrive). */
    Http2Headers requestHeaders();

    /** Request-scoped filter state; its parent holds the connection's (network filters'). */
    FilterState filterState();

    /** What {@code %COMMAND%} header values of this stream resolve against. */
    HeaderFormatter.Context formatterContext();

    /**
     * Answers locally and ends the stream (Envoy's sendLocalReply): the reply passes through the
     * encoder filters; for gRPC requests it is trailers-only with the mapped {@code grpc-status}.
     * If the response has already started, the stream is reset instead.
     */
    default void sendLocalReply(int status, String body, ResponseFlag flag, String details) {
        sendLocalReply(status, body, flag, details, null, -1);
    }

    /**
     * As {@link #sendLocalReply(int, String, ResponseFlag, String)}, with headers to change on the
     * reply and, for gRPC requests, a {@code grpc-status} to use instead of the one mapped from
     * {@code status} (-1: mapped).
     */
    void sendLocalReply(int status, String body, ResponseFlag flag, String details,
                        Consumer<Http2Headers> modifyHeaders, int grpcStatus);

    /** Resets the downstream stream (HTTP/2 RST_STREAM, HTTP/1.1 connection close). */
    void resetStream();

    /** How many body bytes a filter may have buffered (the listener's per-connection limit). */
    int bufferLimit();

    /**
     * Envoy's StreamInfo setShouldDrainConnectionUponCompletion: the downstream connection drains
     * as this stream ends (HTTP/1.1: {@code connection: close} on its response, then closed;
     * HTTP/2: GOAWAY, the streams it has still finish). An upstream filter's stream has no
     * downstream connection of its own, so by default nothing happens.
     */
    default void drainConnectionUponCompletion() {
    }

    /**
     * The dynamic metadata of the downstream connection (Envoy's connection-level stream info: what
     * proxy_protocol's TLV rules or an internal listener's passthrough put there); empty when none.
     */
    default java.util.Map<String, java.util.Map<String, Object>> connectionDynamicMetadata() {
        return java.util.Map.of();
    }
}
