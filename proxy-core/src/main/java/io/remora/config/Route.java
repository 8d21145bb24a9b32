package io.remora.config;

/** {@code config.route.v3.Route}: a match and exactly one action. */
public record Route(
        String name,
        RouteMatch match,
        RouteAction action,
        HeaderMutation requestHeaders,
        HeaderMutation responseHeaders) {
}
