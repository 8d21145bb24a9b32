package io.remora.extensions.filters.istio.connect;

import io.remora.config.HttpFilterConfig;

/** Istio's {@code connect_baggage} HTTP filter ({@code io.istio.http.connect_baggage.Config}, no fields). */
public record ConnectBaggageConfig(String filterName) implements HttpFilterConfig {
}
