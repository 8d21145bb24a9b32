package io.remora.extensions.filters.istio.stats;

import com.google.protobuf.Descriptors.Descriptor;
import io.remora.extensions.HttpFilterExtension;
import io.remora.extensions.filters.istio.common.IstioProtos;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.server.ServerContext;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;

/**
 * Istio's {@code istio.stats} HTTP filter ({@code stats.PluginConfig}): {@code istio_requests_total},
 * {@code istio_request_duration_milliseconds}, {@code istio_request_bytes} and
 * {@code istio_response_bytes}, reported as {@code source} on outbound listeners and
 * {@code destination} on inbound ones ({@code reporter: SERVER_GATEWAY}: {@code waypoint}).
 */
public final class IstioStatsExtension implements HttpFilterExtension<IstioStatsConfig> {

    static final String NAME = "istio.stats";
    static final String TYPE = "stats.PluginConfig";

    @Override
    public List<String> names() {
        return List.of(NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of(TYPE);
    }

    @Override
    public List<Descriptor> descriptors() {
        return IstioProtos.all();
    }

    @Override
    public IstioStatsConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        return new IstioStatsConfig(NAME, StatsPluginSettings.translate(config, path, ctx));
    }

    /** The runtime of a config reached another way (a null-VM Wasm filter naming envoy.wasm.stats). */
    public static IstioStatsConfig fromPluginConfig(com.google.protobuf.Message pluginConfig, FieldPath path,
                                                    TranslationContext ctx) {
        return new IstioStatsConfig(NAME, StatsPluginSettings.fromMessage(pluginConfig, path, ctx));
    }

    @Override
    public HttpFilterFactory.Provider<IstioStatsConfig> runtime() {
        return new HttpFilterFactory.Provider<>() {
            @Override
            public Class<IstioStatsConfig> configType() {
                return IstioStatsConfig.class;
            }

            @Override
            public HttpFilterFactory create(IstioStatsConfig config, ServerContext context) {
                // istio_request_bytes / istio_response_bytes are the streams' wire bytes: codecs count from now on.
                io.remora.accesslog.WireBytes.want();
                IstioMetrics metrics = new IstioMetrics(context.stats().meterRegistry(), config.settings());
                return () -> new IstioStatsFilter(config.settings(), metrics);
            }
        };
    }
}
