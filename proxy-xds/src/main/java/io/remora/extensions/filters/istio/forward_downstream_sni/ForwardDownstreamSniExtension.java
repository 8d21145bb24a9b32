package io.remora.extensions.filters.istio.forward_downstream_sni;

import com.google.protobuf.Descriptors.Descriptor;
import io.remora.config.NetworkFilterConfig;
import io.remora.extensions.NetworkFilterExtension;
import io.remora.extensions.filters.istio.common.IstioProtos;
import io.remora.network.ConnectionFilterFactory;
import io.remora.network.FilterState;
import io.remora.network.RequestedServerNameFilter;
import io.remora.server.ServerContext;
import io.remora.upstream.TransportSocketOptions;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;

/**
 * istio/proxy's {@code forward_downstream_sni} network filter
 * ({@code io.istio.tcp.forward_downstream_sni.v1.Config}, no fields): the server name the
 * downstream's client hello asked for becomes the connection's read-only
 * {@code envoy.network.upstream_server_name}, so tcp_proxy (and the router of any HTTP on the
 * connection) sends it as the SNI of its upstream TLS. Without SNI it sets nothing.
 */
public final class ForwardDownstreamSniExtension
        implements NetworkFilterExtension<ForwardDownstreamSniExtension.ForwardDownstreamSniConfig> {

    static final String NAME = "forward_downstream_sni";

    /** Nothing to configure. */
    record ForwardDownstreamSniConfig() implements NetworkFilterConfig {
        @Override
        public String filterName() {
            return NAME;
        }
    }

    @Override
    public List<String> names() {
        return List.of(NAME, "envoy.filters.network.forward_downstream_sni");
    }

    @Override
    public List<String> configTypes() {
        return List.of(IstioProtos.FORWARD_DOWNSTREAM_SNI_NAME);
    }

    @Override
    public List<Descriptor> descriptors() {
        return IstioProtos.all();
    }

    @Override
    public ForwardDownstreamSniConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config != null) {
            config.unpack(IstioProtos.FORWARD_DOWNSTREAM_SNI, path); // a wrong type fails here, by field
        }
        return new ForwardDownstreamSniConfig();
    }

    @Override
    public ConnectionFilterFactory.Provider<ForwardDownstreamSniConfig> runtime() {
        return new ConnectionFilterFactory.Provider<>() {
            @Override
            public Class<ForwardDownstreamSniConfig> configType() {
                return ForwardDownstreamSniConfig.class;
            }

            @Override
            public ConnectionFilterFactory create(ForwardDownstreamSniConfig config, ServerContext context) {
                return () -> new RequestedServerNameFilter(TransportSocketOptions.SERVER_NAME,
                        FilterState.Mutability.READ_ONLY);
            }
        };
    }
}
