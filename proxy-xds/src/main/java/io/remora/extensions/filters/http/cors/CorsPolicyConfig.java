package io.remora.extensions.filters.http.cors;

import io.remora.config.RouteFilterConfig;
import io.remora.config.StringMatcher;
import io.remora.runtime.FractionalPercent;

import java.util.List;

/**
 * One CORS policy ({@code extensions.filters.http.cors.v3.CorsPolicy} in
 * {@code typed_per_filter_config}, or the deprecated {@code cors} field of a virtual host or route
 * action). Envoy merges the levels field by field, most specific first: empty strings, an empty
 * origin list and null booleans mean "not set here".
 *
 * @param filterEnabled         {@code filter_enabled.default_value}; null when unset (enabled)
 * @param filterEnabledKey      its {@code runtime_key} ("" when none): the runtime may override it
 * @param shadowEnabled         {@code shadow_enabled.default_value}; null when unset (off)
 * @param shadowEnabledKey      its {@code runtime_key} ("" when none)
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
        FractionalPercent filterEnabled,
        String filterEnabledKey,
        FractionalPercent shadowEnabled,
        String shadowEnabledKey) implements RouteFilterConfig {

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
