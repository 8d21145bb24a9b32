package io.remora.extensions.filters.istio.stats;

import io.remora.extensions.NetworkFilterExtension;
import io.remora.network.ConnectionFilterFactory;
import io.remora.server.ServerContext;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;

/**
 * Istio's {@code istio.stats} network filter ({@code stats.PluginConfig}, as on Istio's TCP
 * chains): {@code istio_tcp_connections_opened_total}/{@code _closed_total},
 * {@code istio_tcp_sent_bytes_total} and {@code istio_tcp_received_bytes_total}, flushed every
 * {@code tcp_reporting_duration} (5s) and at close.
 */
public final class IstioTcpStatsExtension implements NetworkFilterExtension<IstioTcpStatsConfig> {

    @Override
    public List<String> names() {
        return List.of(IstioStatsExtension.NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of(IstioStatsExtension.TYPE);
    }

    @Override
    public IstioTcpStatsConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        return new IstioTcpStatsConfig(IstioStatsExtension.NAME, StatsPluginSettings.translate(config, path, ctx));
    }

    /** The runtime of a config reached another way (a null-VM network Wasm filter naming envoy.wasm.stats). */
    public static IstioTcpStatsConfig fromPluginConfig(com.google.protobuf.Message pluginConfig, FieldPath path,
                                                       TranslationContext ctx) {
        return new IstioTcpStatsConfig(IstioStatsExtension.NAME, StatsPluginSettings.fromMessage(pluginConfig, path, ctx));
    }

    @Override
    public ConnectionFilterFactory.Provider<IstioTcpStatsConfig> runtime() {
        return new ConnectionFilterFactory.Provider<>() {
            @Override
            public Class<IstioTcpStatsConfig> configType() {
                return IstioTcpStatsConfig.class;
            }

            @Override
            public ConnectionFilterFactory create(IstioTcpStatsConfig config, ServerContext context) {
                IstioMetrics metrics = new IstioMetrics(context.stats().meterRegistry(), config.settings());
                return () -> new IstioTcpStatsFilter(config.settings(), metrics);
            }
        };
    }
}
