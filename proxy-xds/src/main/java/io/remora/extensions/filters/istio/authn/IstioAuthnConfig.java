package io.remora.extensions.filters.istio.authn;

import io.remora.config.NetworkFilterConfig;

/**
 * Istio's {@code istio_authn} network filter ({@code io.istio.network.authn.Config}).
 *
 * @param shared {@code shared}: the principals go with the connections made for this one (to an
 *               internal listener, whose RBAC matches them)
 */
public record IstioAuthnConfig(String filterName, boolean shared) implements NetworkFilterConfig {
}
