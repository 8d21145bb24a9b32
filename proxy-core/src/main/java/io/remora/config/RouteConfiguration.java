package io.remora.config;

import java.util.List;

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
        int maxDirectResponseBodySizeBytes) {
}
