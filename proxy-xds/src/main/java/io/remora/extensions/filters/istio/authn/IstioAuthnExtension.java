package io.remora.extensions.filters.istio.authn;

import com.google.protobuf.Descriptors.Descriptor;
import io.remora.extensions.NetworkFilterExtension;
import io.remora.extensions.filters.istio.common.IstioProtos;
import io.remora.network.ConnectionFilterFactory;
import io.remora.server.ServerContext;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;

/**
 * Istio's {@code istio_authn} network filter ({@code io.istio.network.authn.Config}, sent wrapped
 * in a TypedStruct): it only records the connection's SPIFFE principals for the filters after it
 * (stats, RBAC-by-principal in Istio's proxy); it enforces nothing, in Istio's proxy as here.
 * With {@code shared} the principals go with the connections made for this one, as far as an
 * internal listener (a sidecar's HBONE inbound: connect_terminate, then main_internal).
 */
public final class IstioAuthnExtension implements NetworkFilterExtension<IstioAuthnConfig> {

    static final String NAME = "io.istio.network.authn";

    @Override
    public List<String> names() {
        return List.of(NAME, "istio_authn");
    }

    @Override
    public List<String> configTypes() {
        return List.of(IstioProtos.AUTHN_NAME);
    }

    @Override
    public List<Descriptor> descriptors() {
        return IstioProtos.all();
    }

    @Override
    public IstioAuthnConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        boolean shared = config != null && IstioProtos.bool(config.unpack(IstioProtos.AUTHN, path), "shared");
        return new IstioAuthnConfig(NAME, shared);
    }

    @Override
    public ConnectionFilterFactory.Provider<IstioAuthnConfig> runtime() {
        return new ConnectionFilterFactory.Provider<>() {
            @Override
            public Class<IstioAuthnConfig> configType() {
                return IstioAuthnConfig.class;
            }

            @Override
            public ConnectionFilterFactory create(IstioAuthnConfig config, ServerContext context) {
                return () -> new IstioAuthnFilter(config.shared());
            }
        };
    }
}
