package io.remora.extensions.filters.http.csrf;

import io.remora.config.HttpFilterConfig;
import io.remora.config.RouteFilterConfig;
import io.remora.config.StringMatcher;
import io.remora.runtime.FractionalPercent;

import java.util.List;

/**
 * {@code envoy.filters.http.csrf}'s {@code CsrfPolicy}: the filter's, or a route's (the most
 * specific replaces it whole).
 *
 * @param enabledKey   {@code filter_enabled.runtime_key} ("" for none)
 * @param enabled      {@code filter_enabled.default_value}
 * @param shadowKey    {@code shadow_enabled.runtime_key} ("" for none)
 * @param shadow       {@code shadow_enabled.default_value}, or null when shadow_enabled is unset
 * @param additionalOrigins source origins (host[:port]) accepted besides the request's own host
 */
record CsrfPolicyConfig(String enabledKey, FractionalPercent enabled, String shadowKey, FractionalPercent shadow,
                        List<StringMatcher> additionalOrigins) implements HttpFilterConfig, RouteFilterConfig {

    static final String NAME = "envoy.filters.http.csrf";

    CsrfPolicyConfig {
        additionalOrigins = List.copyOf(additionalOrigins);
    }

    @Override
    public String filterName() {
        return NAME;
    }
}
