package io.remora.route;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.Route;
import io.remora.config.VirtualHost;

/**
 * One matched route with its virtual host and route configuration, and the operations the
 * router applies to a request that took it.
 */
public interface RouteEntry {

    Route route();

    VirtualHost virtualHost();

    /**
     * The cluster to use: the single cluster, a weighted pick (by {@code random} modulo the total
     * weight, as Envoy does), or the cluster named by the configured header (null when absent).
     */
    String pickCluster(Http2Headers headers, long random);

    /**
     * Applies the route's path rewrite ({@code prefix_rewrite} or {@code regex_rewrite}, saving the
     * original in {@code x-envoy-original-path}) and host rewrite ({@code host_rewrite_literal},
     * {@code host_rewrite_header}; auto_host_rewrite is applied by the router once a host is known).
     */
    void rewriteRequest(Http2Headers headers);

    /**
     * Adds and removes request headers: weighted cluster, then route, then virtual host, then
     * route configuration level, as Envoy orders them (most specific wins for overwrites).
     */
    void mutateRequestHeaders(Http2Headers headers, String cluster, HeaderFormatter.Context context);

    /** The response counterpart of {@link #mutateRequestHeaders}. */
    void mutateResponseHeaders(Http2Headers headers, String cluster, HeaderFormatter.Context context);

    /** For a redirect route: the Location to send, computed from the request. */
    String redirectLocation(Http2Headers requestHeaders);
}
