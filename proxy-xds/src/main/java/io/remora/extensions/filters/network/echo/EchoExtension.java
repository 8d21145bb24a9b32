package io.remora.extensions.filters.network.echo;

import io.remora.extensions.TerminalFilterExtension;
import io.remora.network.NetworkFilter;
import io.remora.network.NetworkFilterFactory;
import io.remora.server.ServerContext;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;

/** {@code envoy.filters.network.echo}: writes back every byte it reads (terminal, as in Envoy). */
public final class EchoExtension implements TerminalFilterExtension<EchoConfig> {

    @Override
    public List<String> names() {
        return List.of(EchoConfig.NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of("envoy.extensions.filters.network.echo.v3.Echo");
    }

    @Override
    public EchoConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        return new EchoConfig();
    }

    @Override
    public NetworkFilterFactory<EchoConfig> runtime() {
        return new NetworkFilterFactory<>() {
            @Override
            public Class<EchoConfig> configType() {
                return EchoConfig.class;
            }

            @Override
            public NetworkFilter create(EchoConfig config, ServerContext context) {
                return (downstream, info) -> EchoHandler.install(downstream);
            }
        };
    }
}
