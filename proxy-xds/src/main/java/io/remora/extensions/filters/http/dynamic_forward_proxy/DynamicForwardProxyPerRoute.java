package io.remora.extensions.filters.http.dynamic_forward_proxy;

import io.remora.config.RouteFilterConfig;

/**
 * {@code PerRouteConfig}: the host to look up (and send) instead of the request's.
 *
 * @param hostRewriteLiteral this host, or null
 * @param hostRewriteHeader  the first value of this request header (lower case) when present, or null
 */
record DynamicForwardProxyPerRoute(String hostRewriteLiteral, String hostRewriteHeader) implements RouteFilterConfig {
}
