package io.remora.extensions.filters.istio.peer_metadata;

import io.remora.config.HttpFilterConfig;

import java.util.List;

/**
 * Istio's HTTP metadata exchange ({@code io.istio.http.peer_metadata.Config}, and the older
 * null-VM Wasm {@code envoy.wasm.metadata_exchange} expressed in its terms).
 *
 * @param downstreamDiscovery   how the downstream peer is found, first success wins
 * @param upstreamDiscovery     how the upstream peer is found (from the response)
 * @param downstreamPropagation send this workload back in the response (only to a peer that sent its own)
 * @param upstreamPropagation   send this workload with the request
 * @param skipExternalClusters  no propagation to requests bound for {@code PassthroughCluster}
 */
public record PeerMetadataConfig(String filterName, List<Method> downstreamDiscovery, List<Method> upstreamDiscovery,
                                 boolean downstreamPropagation, boolean upstreamPropagation,
                                 boolean skipExternalClusters) implements HttpFilterConfig {

    /** Discovery methods Remora runs (workload discovery needs Istio's WDS, which it has not). */
    public enum Method { ISTIO_HEADERS, BAGGAGE }

    public PeerMetadataConfig {
        downstreamDiscovery = List.copyOf(downstreamDiscovery);
        upstreamDiscovery = List.copyOf(upstreamDiscovery);
    }
}
