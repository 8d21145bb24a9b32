package io.remora.extensions.filters.http.basic_auth;

import io.remora.config.RouteFilterConfig;

/** {@code BasicAuthPerRoute}: the users that replace the filter's on this route. */
public record BasicAuthPerRouteConfig(HtpasswdUsers users) implements RouteFilterConfig {
}
