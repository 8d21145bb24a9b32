package io.remora.config;

import java.util.List;
import java.util.Map;

/**
 * {@code config.route.v3.VirtualHost}.
 *
 * @param retryPolicy applies to routes that set none; null when unset
 */
public record VirtualHost(
        String name,
        List<String> domains,
        List<Route> routes,
        HeaderMutation requestHeaders,
        HeaderMutation responseHeaders,
        RetryPolicy retryPolicy,
        boolean includeRequestAttemptCount,
        TlsRequirement requireTls,
        Map<String, PerFilterConfig> perFilterConfigs) {

    public VirtualHost {
        perFilterConfigs = perFilterConfigs == null ? PerFilterConfig.NONE : Map.copyOf(perFilterConfigs);
    }

    public VirtualHost(String name, List<String> domains, List<Route> routes, HeaderMutation requestHeaders,
                       HeaderMutation responseHeaders, RetryPolicy retryPolicy, boolean includeRequestAttemptCount,
                       TlsRequirement requireTls) {
        this(name, domains, routes, requestHeaders, responseHeaders, retryPolicy, includeRequestAttemptCount,
                requireTls, PerFilterConfig.NONE);
    }

    public enum TlsRequirement { NONE, EXTERNAL_ONLY, ALL }
}
