package io.remora.extensions.filters.istio.connect;

import io.remora.config.HttpFilterConfig;

/** Istio's {@code connect_authority} HTTP filter; it acts only where a route's config enables it. */
public record ConnectAuthorityConfig(String filterName) implements HttpFilterConfig {
}
