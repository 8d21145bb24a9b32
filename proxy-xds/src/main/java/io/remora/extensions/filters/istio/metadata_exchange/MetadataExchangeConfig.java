package io.remora.extensions.filters.istio.metadata_exchange;

import io.remora.config.NetworkFilterConfig;

/**
 * Istio's TCP metadata exchange ({@code envoy.tcp.metadataexchange.config.MetadataExchange}).
 *
 * @param protocol the ALPN that marks a peer able to exchange ({@code istio-peer-exchange})
 * @param upstream true on a cluster's connections (the client side), false on a listener's
 */
public record MetadataExchangeConfig(String filterName, String protocol, boolean upstream) implements NetworkFilterConfig {
}
