package io.remora.extensions.filters.istio.connect;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Message;
import io.remora.config.RouteFilterConfig;
import io.remora.extensions.HttpFilterExtension;
import io.remora.extensions.filters.istio.common.IstioProtos;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.server.ServerContext;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;

/**
 * Istio's {@code connect_authority} HTTP filter ({@code io.istio.http.connect_authority.Config},
 * sent in a TypedStruct). As in istio-proxy only a route's config turns it on; the filter's own
 * config is read and has no effect.
 */
public final class ConnectAuthorityExtension implements HttpFilterExtension<ConnectAuthorityConfig> {

    static final String NAME = "connect_authority";

    @Override
    public List<String> names() {
        return List.of(NAME, "envoy.filters.http.connect_authority");
    }

    @Override
    public List<String> configTypes() {
        return List.of(IstioProtos.CONNECT_AUTHORITY_NAME);
    }

    @Override
    public List<Descriptor> descriptors() {
        return IstioProtos.all();
    }

    @Override
    public ConnectAuthorityConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config != null) {
            config.unpack(IstioProtos.CONNECT_AUTHORITY, path); // validates the fields
        }
        return new ConnectAuthorityConfig(NAME);
    }

    @Override
    public List<String> perRouteConfigTypes() {
        return List.of(IstioProtos.CONNECT_AUTHORITY_NAME);
    }

    @Override
    public RouteFilterConfig translatePerRoute(TypedConfig config, FieldPath path, TranslationContext ctx) {
        Message m = config.unpack(IstioProtos.CONNECT_AUTHORITY, path);
        int port = IstioProtos.int32(m, "port");
        if (port < 0 || port > 65535) {
            throw path.field("port").error("must be a port, got " + Integer.toUnsignedString(port));
        }
        return new ConnectAuthorityRouteConfig(IstioProtos.bool(m, "enabled"), port);
    }

    @Override
    public HttpFilterFactory.Provider<ConnectAuthorityConfig> runtime() {
        return new HttpFilterFactory.Provider<>() {
            @Override
            public Class<ConnectAuthorityConfig> configType() {
                return ConnectAuthorityConfig.class;
            }

            @Override
            public HttpFilterFactory create(ConnectAuthorityConfig config, ServerContext context) {
                return ConnectAuthorityFilter::new;
            }
        };
    }
}
