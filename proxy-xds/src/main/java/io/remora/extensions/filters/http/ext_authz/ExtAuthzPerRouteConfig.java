package io.remora.extensions.filters.http.ext_authz;

import io.remora.config.RouteFilterConfig;

import java.util.Map;

/**
 * {@code ExtAuthzPerRoute}: {@code disabled}, or {@code check_settings} (context extensions merged
 * from the least to the most specific level, body buffering off or replaced).
 *
 * @param withRequestBody null: the filter's own setting
 */
public record ExtAuthzPerRouteConfig(boolean disabled, Map<String, String> contextExtensions,
                                     boolean disableRequestBodyBuffering,
                                     ExtAuthzConfig.BufferSettings withRequestBody) implements RouteFilterConfig {

    public ExtAuthzPerRouteConfig {
        contextExtensions = Map.copyOf(contextExtensions);
    }
}
