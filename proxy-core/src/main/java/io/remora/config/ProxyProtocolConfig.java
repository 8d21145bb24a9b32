package io.remora.config;

import java.util.Set;

/**
 * The {@code envoy.filters.listener.proxy_protocol} listener filter.
 *
 * @param allowRequestsWithoutProxyProtocol {@code allow_requests_without_proxy_protocol}: a
 *        connection that does not start with a PROXY header is served as it is, not closed
 * @param disallowedVersions {@code disallowed_versions}: 1 and/or 2; a header of such a version
 *        closes the connection
 */
public record ProxyProtocolConfig(boolean allowRequestsWithoutProxyProtocol, Set<Integer> disallowedVersions) {
    public ProxyProtocolConfig {
        disallowedVersions = disallowedVersions == null ? Set.of() : Set.copyOf(disallowedVersions);
    }
}
