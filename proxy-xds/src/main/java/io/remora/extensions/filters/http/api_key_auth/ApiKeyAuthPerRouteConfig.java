package io.remora.extensions.filters.http.api_key_auth;

import io.remora.config.RouteFilterConfig;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code ApiKeyAuthPerRoute}: credentials and key sources that replace the filter's when given
 * (null / empty: the filter's stay), and the clients allowed here (empty: every authenticated one).
 */
public record ApiKeyAuthPerRouteConfig(Map<String, String> credentials, List<KeySource> keySources,
                                       Set<String> allowedClients) implements RouteFilterConfig {
}
