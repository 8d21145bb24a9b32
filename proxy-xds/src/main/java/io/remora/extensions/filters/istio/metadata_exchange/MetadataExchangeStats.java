package io.remora.extensions.filters.istio.metadata_exchange;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * istio-proxy's {@code metadata_exchange.*} counters (alpn_protocol_found/not_found,
 * initial_header_not_found, header_not_found, metadata_added), bound once per filter config.
 */
final class MetadataExchangeStats {

    final Counter alpnProtocolNotFound;
    final Counter alpnProtocolFound;
    final Counter initialHeaderNotFound;
    final Counter headerNotFound;
    final Counter metadataAdded;

    MetadataExchangeStats(MeterRegistry r) {
        alpnProtocolNotFound = Counter.builder("envoy_metadata_exchange_alpn_protocol_not_found").register(r);
        alpnProtocolFound = Counter.builder("envoy_metadata_exchange_alpn_protocol_found").register(r);
        initialHeaderNotFound = Counter.builder("envoy_metadata_exchange_initial_header_not_found").register(r);
        headerNotFound = Counter.builder("envoy_metadata_exchange_header_not_found").register(r);
        metadataAdded = Counter.builder("envoy_metadata_exchange_metadata_added").register(r);
    }
}
