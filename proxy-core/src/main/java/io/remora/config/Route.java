package io.remora.config;

import java.util.Map;

/** {@code config.route.v3.Route}: a match and exactly one action. */
public record Route(
        String name,
        RouteMatch match,
        RouteAction action,
        HeaderMutation requestHeaders,
        HeaderMutation responseHeaders,
        Map<String, PerFilterConfig> perFilterConfigs) {

    public Route {
        perFilterConfigs = perFilterConfigs == null ? PerFilterConfig.NONE : Map.copyOf(perFilterConfigs);
    }

    public Route(String name, RouteMatch match, RouteAction action, HeaderMutation requestHeaders,
                 HeaderMutation responseHeaders) {
        this(name, match, action, requestHeaders, responseHeaders, PerFilterConfig.NONE);
    }
}
