package io.remora.extensions.filters.istio.connect;

import io.remora.config.RouteFilterConfig;

/**
 * A route's {@code connect_authority} config ({@code io.istio.http.connect_authority.Config}).
 *
 * @param enabled whether requests taking the route leave their authority for main_internal
 * @param port    the port the internal connection's ORIGINAL_DST cluster connects to (0: the authority's)
 */
public record ConnectAuthorityRouteConfig(boolean enabled, int port) implements RouteFilterConfig {
}
