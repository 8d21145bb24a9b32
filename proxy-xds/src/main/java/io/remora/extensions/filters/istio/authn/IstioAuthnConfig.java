package io.remora.extensions.filters.istio.authn;

import io.remora.config.NetworkFilterConfig;

/** Istio's {@code istio_authn} network filter ({@code io.istio.network.authn.Config}). */
public record IstioAuthnConfig(String filterName) implements NetworkFilterConfig {
}
