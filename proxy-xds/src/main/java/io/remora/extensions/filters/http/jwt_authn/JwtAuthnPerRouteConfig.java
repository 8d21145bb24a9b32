package io.remora.extensions.filters.http.jwt_authn;

import io.remora.config.RouteFilterConfig;

/**
 * {@code PerRouteConfig}: the route skips verification ({@code disabled}) or uses the named
 * requirement of the filter's {@code requirement_map} instead of its rules.
 */
record JwtAuthnPerRouteConfig(boolean disabled, String requirementName) implements RouteFilterConfig {
}
