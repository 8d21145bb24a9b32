package io.remora.extensions.filters.network.ext_authz;

import io.envoyproxy.envoy.extensions.filters.network.ext_authz.v3.ExtAuthz;
import io.remora.extensions.NetworkFilterExtension;
import io.remora.extensions.filters.common.rbac.RbacTranslator;
import io.remora.network.ConnectionFilterFactory;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;

/** {@code envoy.filters.network.ext_authz} ({@code envoy.extensions.filters.network.ext_authz.v3.ExtAuthz}). */
public final class NetworkExtAuthzExtension implements NetworkFilterExtension<NetworkExtAuthzConfig> {

    @Override
    public List<String> names() {
        return List.of(NetworkExtAuthzConfig.NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of("envoy.extensions.filters.network.ext_authz.v3.ExtAuthz");
    }

    @Override
    public boolean enforcesAccess() {
        return true;
    }

    @Override
    public NetworkExtAuthzConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            throw path.error("missing required field: the ext_authz filter needs a typed_config");
        }
        ExtAuthz e = config.unpack(ExtAuthz.class, path);
        if (e.getStatPrefix().isEmpty()) {
            throw path.field("stat_prefix").error("must not be empty");
        }
        if (!e.hasGrpcService()) {
            throw path.field("grpc_service").error("missing required field");
        }
        switch (e.getTransportApiVersion()) {
            case AUTO, V3 -> { }
            default -> throw path.field("transport_api_version").error("only V3 is supported");
        }
        return new NetworkExtAuthzConfig(e.getStatPrefix(),
                io.remora.xds.translate.GrpcServiceTranslator.retryingEnvoyGrpc(e.getGrpcService(), false, path.field("grpc_service"), ctx),
                e.getFailureModeAllow(),
                e.hasFilterEnabledMetadata() ? io.remora.xds.translate.MetadataMatcherTranslator.translate(e.getFilterEnabledMetadata(),
                        path.field("filter_enabled_metadata")) : null,
                e.getIncludePeerCertificate(), e.getIncludeTlsSession(), e.getBootstrapMetadataLabelsKey());
    }

    @Override
    public ConnectionFilterFactory.Provider<NetworkExtAuthzConfig> runtime() {
        return new NetworkExtAuthzFilterProvider();
    }
}
