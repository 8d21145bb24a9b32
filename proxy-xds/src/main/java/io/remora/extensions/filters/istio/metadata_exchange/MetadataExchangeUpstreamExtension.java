package io.remora.extensions.filters.istio.metadata_exchange;

import com.google.protobuf.Descriptors.Descriptor;
import io.remora.extensions.UpstreamNetworkFilterExtension;
import io.remora.extensions.filters.istio.common.IstioProtos;
import io.remora.network.ConnectionFilterFactory;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;

/**
 * The client side of Istio's TCP metadata exchange: {@code istio.metadata_exchange} in a
 * cluster's {@code filters} (Istio puts it on outbound clusters), with the same config message
 * as the listener filter. On a connection that negotiated the exchange's ALPN it sends this
 * proxy's workload ahead of the first bytes and takes the server's from the head of its reply,
 * for Istio's TCP stats on the source side.
 */
public final class MetadataExchangeUpstreamExtension implements UpstreamNetworkFilterExtension<MetadataExchangeConfig> {

    @Override
    public List<String> names() {
        return List.of(MetadataExchangeExtension.NAME, "envoy.filters.network.upstream.metadata_exchange");
    }

    @Override
    public List<String> configTypes() {
        return List.of(IstioProtos.METADATA_EXCHANGE_NAME);
    }

    @Override
    public List<Descriptor> descriptors() {
        return IstioProtos.all();
    }

    @Override
    public MetadataExchangeConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        return MetadataExchangeExtension.translate(config, path, ctx, true);
    }

    @Override
    public ConnectionFilterFactory.Provider<MetadataExchangeConfig> runtime() {
        return MetadataExchangeExtension.RUNTIME;
    }
}
