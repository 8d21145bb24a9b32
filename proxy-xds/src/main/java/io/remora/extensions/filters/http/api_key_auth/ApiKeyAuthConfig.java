package io.remora.extensions.filters.http.api_key_auth;

import io.remora.config.HttpFilterConfig;

import java.util.List;
import java.util.Map;

/**
 * {@code envoy.extensions.filters.http.api_key_auth.v3.ApiKeyAuth}.
 *
 * @param credentials API key → client id; null when none are configured (every request is then refused)
 * @param keySources  where the key is looked for, first found wins; empty: every request is refused
 */
public record ApiKeyAuthConfig(Map<String, String> credentials, List<KeySource> keySources)
        implements HttpFilterConfig {

    public static final String NAME = "envoy.filters.http.api_key_auth";

    @Override
    public String filterName() {
        return NAME;
    }
}
