package io.remora.route;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.ForwardAction;
import io.remora.config.HedgePolicy;
import io.remora.config.PerFilterConfig;
import io.remora.config.RetryPolicy;
import io.remora.config.Route;
import io.remora.config.RouteFilterConfig;
import io.remora.config.VirtualHost;

import java.util.List;

/**
 * One matched route with its virtual host and route configuration, and the operations the
 * router applies to a request that took it.
 *
 * <p>Envoy's order for a forwarded request is {@link #finalizeRequestHeaders}: header mutations
 * first (their %REQ()% operators see the original path and host), then host and path rewrites.
 */
public interface RouteEntry {

    /**
     * The most specific {@code typed_per_filter_config} entry for the filter named
     * {@code filterName} (weighted cluster {@code cluster}, route, virtual host, route
     * configuration), or null.
     */
    default PerFilterConfig perFilterConfig(String filterName, String cluster) {
        return null;
    }

    /** The per-route configs for a filter at every level that has one, least specific first. */
    default List<RouteFilterConfig> perFilterConfigs(String filterName, String cluster) {
        return List.of();
    }

    Route route();

    VirtualHost virtualHost();

    /**
     * The subset load balancer's criteria for a request to {@code cluster}: the route's
     * {@code metadata_match}, with a weighted cluster's own overriding it key by key (Envoy's
     * mergeMatchCriteria); null for none.
     */
    default java.util.Map<String, Object> metadataMatch(String cluster) {
        return route().action() instanceof ForwardAction fa ? fa.metadataMatch() : null;
    }

    /** The retry policy in force: the route's, else its virtual host's; null for none. */
    default RetryPolicy retryPolicy() {
        RetryPolicy p = route().action() instanceof ForwardAction fa ? fa.retryPolicy() : null;
        return p != null || virtualHost() == null ? p : virtualHost().retryPolicy();
    }

    /** The hedge policy in force: the route's, else its virtual host's; null for none. */
    default HedgePolicy hedgePolicy() {
        HedgePolicy p = route().action() instanceof ForwardAction fa ? fa.hedgePolicy() : null;
        return p != null || virtualHost() == null ? p : virtualHost().hedgePolicy();
    }

    /**
     * Envoy's virtual cluster of this request: the first of the virtual host's virtual clusters
     * whose header matchers all match, else its catch-all; null when the virtual host has none.
     */
    default CompiledVirtualCluster virtualCluster(Http2Headers headers) {
        return null;
    }

    /**
     * The route's {@code vhost.<virtual_host>.route.<stat_prefix>.*} stats, or null when it has
     * no stat_prefix (the common case: one null check per request).
     */
    default io.remora.stats.RouteStats routeStats(io.remora.stats.StatsRegistry registry) {
        return null;
    }

    /** That policy's header matchers (a compiled route keeps them compiled; this default compiles). */
    default RetryHeaderMatchers retryHeaderMatchers() {
        return RetryHeaderMatchers.of(retryPolicy());
    }

    /**
     * The cluster to use: the single cluster, a weighted pick (by {@code random} modulo the total
     * weight, as Envoy does), or the cluster named by the configured header (null when absent).
     * Null for redirect, direct-response and non-forwarding routes.
     */
    String pickCluster(Http2Headers headers, long random);

    /** As above; a split's {@code runtime_key_prefix} weights are read from {@code runtime}. */
    default String pickCluster(Http2Headers headers, long random, io.remora.runtime.Runtime runtime) {
        return pickCluster(headers, random);
    }

    /**
     * Applies the route's host rewrite ({@code host_rewrite_literal}, {@code host_rewrite_header};
     * auto_host_rewrite is applied by the router once a host is known) and path rewrite
     * ({@code prefix_rewrite} or {@code regex_rewrite}, saving the original in
     * {@code x-envoy-original-path}).
     */
    void rewriteRequest(Http2Headers headers);

    /**
     * As {@link #rewriteRequest(Http2Headers)}; {@code insertEnvoyOriginalPath} false (the router's
     * suppress_envoy_headers) leaves x-envoy-original-path out.
     */
    default void rewriteRequest(Http2Headers headers, boolean insertEnvoyOriginalPath) {
        rewriteRequest(headers);
    }

    /**
     * Adds and removes request headers: weighted cluster, then route, then virtual host, then
     * route configuration level, as Envoy orders them (so by default the route configuration's
     * overwrites win; most_specific_header_mutations_wins reverses the three route levels).
     */
    void mutateRequestHeaders(Http2Headers headers, String cluster, HeaderFormatter.Context context);

    /**
     * Everything Envoy's finalizeRequestHeaders does, in its order: the weighted cluster's headers
     * and host_rewrite_literal, the route/virtual host/route configuration headers, a stripped
     * CONNECT port put back, then {@link #rewriteRequest(Http2Headers, boolean)}.
     */
    default void finalizeRequestHeaders(Http2Headers headers, String cluster, HeaderFormatter.Context context,
                                        boolean insertEnvoyOriginalPath) {
        mutateRequestHeaders(headers, cluster, context);
        HostPort.restoreConnectPort(headers, context);
        rewriteRequest(headers, insertEnvoyOriginalPath);
    }

    /**
     * The response counterpart of {@link #mutateRequestHeaders}; %REQ()% reads
     * {@link HeaderFormatter.Context#requestHeaders()}.
     */
    void mutateResponseHeaders(Http2Headers headers, String cluster, HeaderFormatter.Context context);

    /**
     * For a redirect route: the Location to send, computed from the request (Envoy's newUri, with
     * the redirect's prefix_rewrite/regex_rewrite applied to the path). For a direct-response route
     * the request's own URI (Envoy sends it as Location for 201 and 3xx). Null for other routes
     * and for requests without :path.
     */
    String redirectLocation(Http2Headers requestHeaders);
}
