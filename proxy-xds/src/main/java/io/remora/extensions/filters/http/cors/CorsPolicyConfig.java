package io.remora.extensions.filters.http.cors;

import io.remora.config.RouteFilterConfig;
import io.remora.config.StringMatcher;

import java.util.List;

/**
 * One CORS policy ({@code extensions.filters.http.cors.v3.CorsPolicy} in
 * {@code typed_per_filter_config}, or the deprecated {@code cors} field of a virtual host or route
 * action). Envoy merges the levels field by field, most specific first: empty strings, an empty
 * origin list and null booleans mean "not set here".
 *
 * @param filterEnabledPerMillion {@code filter_enabled}'s default value, parts per million; -1 when
 *                                unset (enabled)
 * @param shadowEnabledPerMillion {@code shadow_enabled}'s default value; -1 when unset (off)
 */
public record CorsPolicyConfig(
        List<StringMatcher> allowOrigins,
        String allowMethods,
        String allowHeaders,
        String exposeHeaders,
        String maxAge,
        Boolean allowCredentials,
        Boolean allowPrivateNetworkAccess,
        Boolean forwardNotMatchingPreflights,
        int filterEnabledPerMillion,
        int shadowEnabledPerMillion) implements RouteFilterConfig {

    /**
     * The key under which the deprecated {@code cors} field of a virtual host or route action is
     * kept in its per-filter configs: no HTTP filter can be named so (names have no '/'), so it
     * never enables or disables a filter; the CORS filter reads it when no typed policy applies.
     */
    public static final String LEGACY_KEY = "envoy.filters.http.cors/deprecated_cors_field";

    public CorsPolicyConfig {
        allowOrigins = List.copyOf(allowOrigins);
    }
}
