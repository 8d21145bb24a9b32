/**
 * Route tables: a {@link io.remora.config.RouteConfiguration} compiled once, on the control thread,
 * into an immutable {@link io.remora.route.RouteTable} that workers read without locks.
 *
 * <p>Selection follows Envoy: virtual host by {@code :authority} (exact, then suffix wildcards
 * longest first, then prefix wildcards longest first, then {@code *}; the Host is matched as sent,
 * port included), then the first route whose path, headers, query parameters, gRPC and runtime
 * fraction all match. A matched {@link io.remora.route.RouteEntry} picks the cluster and applies
 * Envoy's request/response transformations. See {@code docs/routing.md} for the decisions.
 */
package io.remora.route;
