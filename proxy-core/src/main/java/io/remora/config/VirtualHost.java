package io.remora.config;

import java.util.List;

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
        TlsRequirement requireTls) {

    public enum TlsRequirement { NONE, EXTERNAL_ONLY, ALL }
}
