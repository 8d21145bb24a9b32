package io.remora.config;

import java.util.List;
import java.util.Map;

/**
 * {@code config.route.v3.RouteConfiguration}.
 *
 * @param internalOnlyHeaders headers stripped from requests coming from outside (not internal)
 */
public record RouteConfiguration(
        String name,
        List<VirtualHost> virtualHosts,
        HeaderMutation requestHeaders,
        HeaderMutation responseHeaders,
        List<String> internalOnlyHeaders,
        int maxDirectResponseBodySizeBytes,
        Map<String, PerFilterConfig> perFilterConfigs) {

    public RouteConfiguration {
        perFilterConfigs = perFilterConfigs == null ? PerFilterConfig.NONE : Map.copyOf(perFilterConfigs);
    }

    public RouteConfiguration(String name, List<VirtualHost> virtualHosts, HeaderMutation requestHeaders,
                              HeaderMutation responseHeaders, List<String> internalOnlyHeaders,
                              int maxDirectResponseBodySizeBytes) {
        this(name, virtualHosts, requestHeaders, responseHeaders, internalOnlyHeaders,
                maxDirectResponseBodySizeBytes, PerFilterConfig.NONE);
    }
}
