package io.remora.extensions.filters.network.thrift_proxy;

import io.envoyproxy.envoy.extensions.health_checkers.thrift.v3.Thrift;
import io.remora.extensions.HealthCheckerExtension;
import io.remora.upstream.health.CustomHealthCheck;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;
import java.util.Map;

/** {@code envoy.health_checkers.thrift}: a thrift call whose success reply is healthy. */
public final class ThriftHealthCheckerExtension implements HealthCheckerExtension {

    @Override
    public List<String> names() {
        return List.of("envoy.health_checkers.thrift");
    }

    @Override
    public List<String> configTypes() {
        return List.of("envoy.extensions.health_checkers.thrift.v3.Thrift");
    }

    @Override
    public CustomHealthCheck translate(TypedConfig config, FieldPath path, Map<String, Object> clusterOptions,
                                       TranslationContext ctx) {
        if (config == null) {
            throw path.error("missing required field");
        }
        return ThriftProxyTranslator.healthCheck(config.unpack(Thrift.class, path), path);
    }
}
