package io.remora.extensions.filters.network.direct_response;

import io.envoyproxy.envoy.extensions.filters.network.direct_response.v3.Config;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.remora.extensions.TerminalFilterExtension;
import io.remora.network.DiscardReads;
import io.remora.network.NetworkFilter;
import io.remora.network.NetworkFilterFactory;
import io.remora.server.ServerContext;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.Protos;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;

/**
 * {@code envoy.filters.network.direct_response}: every new connection gets the configured bytes
 * and is closed once they are written (Envoy's close with FlushWrite); what the peer sends is
 * read and dropped, so a TLS handshake still completes. Terminal, as in Envoy.
 */
public final class DirectResponseExtension implements TerminalFilterExtension<DirectResponseConfig> {

    @Override
    public List<String> names() {
        return List.of(DirectResponseConfig.NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of("envoy.extensions.filters.network.direct_response.v3.Config");
    }

    @Override
    public DirectResponseConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            return new DirectResponseConfig(new byte[0]);
        }
        Config c = config.unpack(Config.class, path);
        byte[] response = c.hasResponse() ? Protos.dataSourceBytes(c.getResponse(), path.field("response")) : null;
        return new DirectResponseConfig(response == null ? new byte[0] : response);
    }

    @Override
    public NetworkFilterFactory<DirectResponseConfig> runtime() {
        return new NetworkFilterFactory<>() {
            @Override
            public Class<DirectResponseConfig> configType() {
                return DirectResponseConfig.class;
            }

            @Override
            public NetworkFilter create(DirectResponseConfig config, ServerContext context) {
                byte[] response = config.response();
                return (downstream, info) -> {
                    downstream.pipeline().addLast("direct_response", DiscardReads.INSTANCE);
                    downstream.writeAndFlush(Unpooled.wrappedBuffer(response)).addListener(ChannelFutureListener.CLOSE);
                };
            }
        };
    }
}
