package io.remora.extensions.filters.istio.wasm;

import io.envoyproxy.envoy.extensions.filters.network.wasm.v3.Wasm;
import io.remora.config.NetworkFilterConfig;
import io.remora.extensions.NetworkFilterExtension;
import io.remora.extensions.filters.istio.stats.IstioTcpStatsExtension;
import io.remora.network.ConnectionFilterFactory;
import io.remora.server.ServerContext;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;

/**
 * The network Wasm filter ({@code envoy.extensions.filters.network.wasm.v3.Wasm}) as Istio used it
 * on TCP chains: a null-VM {@code envoy.wasm.stats} is the native TCP {@code istio.stats}. Any
 * other Wasm code is refused naming its field.
 */
public final class NetworkWasmExtension implements NetworkFilterExtension<NetworkFilterConfig> {

    @Override
    public List<String> names() {
        return List.of("envoy.filters.network.wasm");
    }

    @Override
    public List<String> configTypes() {
        return List.of("envoy.extensions.filters.network.wasm.v3.Wasm"); // a name: no descriptor built at start-up
    }

    @Override
    public NetworkFilterConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            throw path.error("missing required field (a Wasm config)");
        }
        Wasm wasm = config.unpack(Wasm.class, path);
        FieldPath cp = path.field("config");
        NullVmPlugin plugin = NullVmPlugin.read(wasm.getConfig(), cp);
        if (!plugin.code().equals(NullVmPlugin.STATS)) {
            throw cp.field("vm_config").field("code").field("local").field("inline_string")
                    .error("the null-VM plugin '" + plugin.code() + "' is an HTTP filter, not a network filter");
        }
        return IstioTcpStatsExtension.fromPluginConfig(plugin.statsConfig(cp), cp.field("configuration"), ctx);
    }

    /** Never asked: translation returns the native filter's config, whose runtime is its own. */
    @Override
    public ConnectionFilterFactory.Provider<NetworkFilterConfig> runtime() {
        return new ConnectionFilterFactory.Provider<>() {
            @Override
            @SuppressWarnings("unchecked")
            public Class<NetworkFilterConfig> configType() {
                // No config is ever of this type: the provider must not claim the native filters' configs.
                return (Class<NetworkFilterConfig>) (Class<?>) Untranslated.class;
            }

            @Override
            public ConnectionFilterFactory create(NetworkFilterConfig config, ServerContext context) {
                throw new IllegalStateException("the Wasm filter translates to native filters; nothing runs Wasm");
            }
        };
    }

    /** A type no translation produces. */
    private record Untranslated() implements NetworkFilterConfig {
        @Override
        public String filterName() {
            return "";
        }
    }
}
