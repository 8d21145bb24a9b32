package io.remora.extensions.filters.istio.metadata_exchange;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Message;
import io.remora.extensions.NetworkFilterExtension;
import io.remora.extensions.filters.istio.common.IstioProtos;
import io.remora.network.ConnectionFilterFactory;
import io.remora.server.ServerContext;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;

/**
 * Istio's TCP metadata exchange network filter, {@code istio.metadata_exchange} with
 * {@code envoy.tcp.metadataexchange.config.MetadataExchange} (istio/api field numbers:
 * {@code protocol} 1, {@code enable_discovery} 2), on listeners (the server side);
 * {@link MetadataExchangeUpstreamExtension} is the same exchange on a cluster's connections.
 */
public final class MetadataExchangeExtension implements NetworkFilterExtension<MetadataExchangeConfig> {

    static final String NAME = "istio.metadata_exchange";

    @Override
    public List<String> names() {
        return List.of(NAME, "envoy.filters.network.metadata_exchange");
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
        return translate(config, path, ctx, false);
    }

    /** The config of either side: {@code upstream} on a cluster's {@code filters}. */
    static MetadataExchangeConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx, boolean upstream) {
        if (config == null) {
            throw path.error("missing required field (a MetadataExchange with its protocol)");
        }
        Message m = config.unpack(IstioProtos.METADATA_EXCHANGE, path);
        String protocol = IstioProtos.string(m, "protocol");
        if (protocol.isEmpty()) {
            throw path.field("protocol").error("must name the exchange's ALPN (Istio: istio-peer-exchange)");
        }
        if (IstioProtos.bool(m, "enable_discovery")) {
            ctx.warnOnce("metadata_exchange.enable_discovery", "istio.metadata_exchange: enable_discovery needs"
                    + " Istio's workload metadata xDS, which Remora does not have; ignored, at "
                    + path.field("enable_discovery"));
        }
        return new MetadataExchangeConfig(NAME, protocol, upstream);
    }

    @Override
    public ConnectionFilterFactory.Provider<MetadataExchangeConfig> runtime() {
        return RUNTIME;
    }

    /** One runtime for both sides: the config says which. */
    static final ConnectionFilterFactory.Provider<MetadataExchangeConfig> RUNTIME = runtimeProvider();

    private static ConnectionFilterFactory.Provider<MetadataExchangeConfig> runtimeProvider() {
        return new ConnectionFilterFactory.Provider<>() {
            @Override
            public Class<MetadataExchangeConfig> configType() {
                return MetadataExchangeConfig.class;
            }

            @Override
            public ConnectionFilterFactory create(MetadataExchangeConfig config, ServerContext context) {
                MetadataExchangeStats stats = new MetadataExchangeStats(context.stats().meterRegistry());
                return () -> new MetadataExchangeFilter(config, stats);
            }
        };
    }
}
