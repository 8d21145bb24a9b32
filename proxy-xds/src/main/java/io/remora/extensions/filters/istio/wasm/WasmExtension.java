package io.remora.extensions.filters.istio.wasm;

import io.envoyproxy.envoy.extensions.filters.http.wasm.v3.Wasm;
import io.remora.config.HttpFilterConfig;
import io.remora.extensions.HttpFilterExtension;
import io.remora.extensions.filters.istio.peer_metadata.PeerMetadataExtension;
import io.remora.extensions.filters.istio.stats.IstioStatsExtension;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.server.ServerContext;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;

/**
 * The HTTP Wasm filter ({@code envoy.extensions.filters.http.wasm.v3.Wasm}) as far as Istio uses
 * it: a null-VM {@code envoy.wasm.metadata_exchange} becomes the native HTTP metadata exchange and
 * {@code envoy.wasm.stats} the native {@code istio.stats}, as in Envoy, where the null VM runs
 * plugins compiled into the proxy. Any other Wasm code is refused naming its field (or skipped
 * when the filter is {@code is_optional}).
 */
public final class WasmExtension implements HttpFilterExtension<HttpFilterConfig> {

    @Override
    public List<String> names() {
        return List.of("envoy.filters.http.wasm");
    }

    @Override
    public List<String> configTypes() {
        return List.of("envoy.extensions.filters.http.wasm.v3.Wasm"); // a name: no descriptor built at start-up
    }

    @Override
    public boolean supports(TypedConfig config) {
        if (config == null) {
            return false;
        }
        try {
            return NullVmPlugin.peek(config.unpack(Wasm.class, FieldPath.ROOT).getConfig()) != null;
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public HttpFilterConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            throw path.error("missing required field (a Wasm config)");
        }
        Wasm wasm = config.unpack(Wasm.class, path);
        FieldPath cp = path.field("config");
        NullVmPlugin plugin = NullVmPlugin.read(wasm.getConfig(), cp);
        if (plugin.code().equals(NullVmPlugin.METADATA_EXCHANGE)) {
            return PeerMetadataExtension.legacy(ctx);
        }
        return IstioStatsExtension.fromPluginConfig(plugin.statsConfig(cp), cp.field("configuration"), ctx);
    }

    /** Never asked: translation returns the native filters' configs, whose runtimes are theirs. */
    @Override
    public HttpFilterFactory.Provider<HttpFilterConfig> runtime() {
        return new HttpFilterFactory.Provider<>() {
            @Override
            @SuppressWarnings("unchecked")
            public Class<HttpFilterConfig> configType() {
                // No config is ever of this type: the provider must not claim the native filters' configs.
                return (Class<HttpFilterConfig>) (Class<?>) Untranslated.class;
            }

            @Override
            public HttpFilterFactory create(HttpFilterConfig config, ServerContext context) {
                throw new IllegalStateException("the Wasm filter translates to native filters; nothing runs Wasm");
            }
        };
    }

    /** A type no translation produces. */
    private record Untranslated() implements HttpFilterConfig {
        @Override
        public String filterName() {
            return "";
        }
    }
}
