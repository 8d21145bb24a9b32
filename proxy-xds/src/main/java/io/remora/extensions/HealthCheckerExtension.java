package io.remora.extensions;

import io.remora.upstream.health.CustomHealthCheck;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.Map;

/**
 * A custom health checker (Envoy's {@code envoy.health_checkers} category), named by a health
 * check's {@code custom_health_check}. Indexed apart from filters: Envoy finds it by its config
 * type, else by name.
 */
public interface HealthCheckerExtension extends Extension {

    /**
     * Builds the check from its {@code typed_config}.
     *
     * @param config         null when the custom health check carries no typed_config
     * @param clusterOptions the cluster's protocol options by extension name (see
     *                       {@link ProtocolOptionsExtension}): a checker speaking a filter's
     *                       protocol takes that filter's upstream options from there
     * @throws io.remora.xds.translate.TranslationException naming the field at fault
     */
    CustomHealthCheck translate(TypedConfig config, FieldPath path, Map<String, Object> clusterOptions,
                                TranslationContext ctx);
}
