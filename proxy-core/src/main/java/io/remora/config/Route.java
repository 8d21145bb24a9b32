package io.remora.config;

import java.util.Map;

/**
 * {@code config.route.v3.Route}: a match and exactly one action.
 *
 * @param decorator the route's {@code decorator} (its tracing operation), or null
 * @param metadata  {@code metadata.filter_metadata} by namespace ({@code %METADATA(ROUTE:...)%},
 *                  tracing's route metadata tags)
 * @param statPrefix {@code stat_prefix}: keep {@code vhost.<virtual_host>.route.<stat_prefix>.*}
 *                  router stats for this route; null when unset or empty
 */
public record Route(
        String name,
        RouteMatch match,
        RouteAction action,
        HeaderMutation requestHeaders,
        HeaderMutation responseHeaders,
        Map<String, PerFilterConfig> perFilterConfigs,
        Decorator decorator,
        Map<String, Map<String, Object>> metadata,
        Tracing tracing,
        String statPrefix) {

    public Route {
        statPrefix = statPrefix == null || statPrefix.isEmpty() ? null : statPrefix;
        perFilterConfigs = perFilterConfigs == null ? PerFilterConfig.NONE : Map.copyOf(perFilterConfigs);
        metadata = metadata == null ? Map.of() : metadata;
    }

    /**
     * {@code decorator}: the name of the span of requests taking this route.
     *
     * @param propagate an egress span's operation is sent upstream in x-envoy-decorator-operation
     */
    public record Decorator(String operation, boolean propagate) {
    }

    /**
     * {@code tracing}: replaces the connection manager's three sampling percentages (each 100 when
     * the route leaves it unset, as Envoy) for requests taking this route; its custom tags join the
     * connection manager's and win over those of the same tag name.
     */
    public record Tracing(double clientSampling, double randomSampling, double overallSampling,
                          java.util.List<TracingConfig.CustomTag> customTags) {
        public Tracing {
            customTags = java.util.List.copyOf(customTags);
        }
    }

    public Route(String name, RouteMatch match, RouteAction action, HeaderMutation requestHeaders,
                 HeaderMutation responseHeaders, Map<String, PerFilterConfig> perFilterConfigs, Decorator decorator,
                 Map<String, Map<String, Object>> metadata, Tracing tracing) {
        this(name, match, action, requestHeaders, responseHeaders, perFilterConfigs, decorator, metadata, tracing, null);
    }

    public Route(String name, RouteMatch match, RouteAction action, HeaderMutation requestHeaders,
                 HeaderMutation responseHeaders, Map<String, PerFilterConfig> perFilterConfigs, Decorator decorator,
                 Map<String, Map<String, Object>> metadata) {
        this(name, match, action, requestHeaders, responseHeaders, perFilterConfigs, decorator, metadata, null);
    }

    public Route(String name, RouteMatch match, RouteAction action, HeaderMutation requestHeaders,
                 HeaderMutation responseHeaders, Map<String, PerFilterConfig> perFilterConfigs) {
        this(name, match, action, requestHeaders, responseHeaders, perFilterConfigs, null, Map.of());
    }

    public Route(String name, RouteMatch match, RouteAction action, HeaderMutation requestHeaders,
                 HeaderMutation responseHeaders) {
        this(name, match, action, requestHeaders, responseHeaders, PerFilterConfig.NONE);
    }
}
