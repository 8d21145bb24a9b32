package io.remora.xds.tracing;

import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.config.trace.v3.OpenTelemetryConfig;
import io.envoyproxy.envoy.extensions.tracers.opentelemetry.resource_detectors.v3.StaticConfigResourceDetectorConfig;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.Protos;
import io.remora.xds.translate.TranslationContext;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The OpenTelemetry tracer's resource, as Envoy's ResourceProviderImpl builds it once per tracer:
 * {@code service.name} and the {@code telemetry.sdk.*} attributes, then each of
 * {@code resource_detectors} in order, a later attribute replacing an earlier one of the same key
 * (the OTel SDK's merge). Detectors: {@code environment} ({@code OTEL_RESOURCE_ATTRIBUTES}, read
 * when the config is built) and {@code static_config}; {@code dynatrace} reads Dynatrace's
 * OneAgent files and is warned about and skipped.
 */
public final class OtelResource {

    static final String ENVIRONMENT =
            "envoy.extensions.tracers.opentelemetry.resource_detectors.v3.EnvironmentResourceDetectorConfig";
    static final String STATIC =
            "envoy.extensions.tracers.opentelemetry.resource_detectors.v3.StaticConfigResourceDetectorConfig";
    static final String ENV_VAR = "OTEL_RESOURCE_ATTRIBUTES";

    private OtelResource() {
    }

    /**
     * @param serviceName the tracer's service name (Envoy's default when the config has none)
     * @param version     {@code telemetry.sdk.version}: the proxy's version string
     * @param env         the process environment ({@code System::getenv}, or a test's)
     */
    public static Map<String, String> of(OpenTelemetryConfig o, String serviceName, String version,
                                         UnaryOperator<String> env, FieldPath path, TranslationContext ctx) {
        Map<String, String> resource = new LinkedHashMap<>();
        if (!serviceName.isEmpty()) {
            resource.put("service.name", serviceName);
        }
        // Envoy's own values: collectors and dashboards that tell Envoy's spans apart read them.
        resource.put("telemetry.sdk.language", "cpp");
        resource.put("telemetry.sdk.name", "envoy");
        resource.put("telemetry.sdk.version", version);
        for (int i = 0; i < o.getResourceDetectorsCount(); i++) {
            TypedExtensionConfig d = o.getResourceDetectors(i);
            FieldPath dp = path.field("resource_detectors").index(i);
            String type = d.hasTypedConfig() ? Protos.typeName(d.getTypedConfig()) : "";
            if (type.equals(ENVIRONMENT)) {
                resource.putAll(environment(env.apply(ENV_VAR), ctx));
            } else if (type.equals(STATIC)) {
                StaticConfigResourceDetectorConfig c = Protos.unpack(d.getTypedConfig(),
                        StaticConfigResourceDetectorConfig.class, dp.field("typed_config"));
                c.getAttributesMap().forEach((k, v) -> {
                    if (v.isEmpty()) {
                        ctx.warnOnce("tracing.otel.static_attribute:" + k, "Attribute " + k + " cannot be empty, at "
                                + dp.field("typed_config").field("attributes"));
                    } else {
                        resource.put(k, v);
                    }
                });
            } else {
                ctx.warnOnce("tracing.otel.resource_detector:" + type, "OpenTelemetry resource detector "
                        + (type.isEmpty() ? "'" + d.getName() + "'" : type) + " is not supported; ignoring " + dp);
            }
        }
        return Collections.unmodifiableMap(resource);
    }

    /**
     * {@code OTEL_RESOURCE_ATTRIBUTES} as Envoy's EnvironmentResourceDetector reads it: pairs split
     * on ',' then '=', empty pieces skipped, no trimming; a pair that does not split in two is
     * warned about and skipped.
     */
    public static Map<String, String> environment(String value, TranslationContext ctx) {
        Map<String, String> attributes = new LinkedHashMap<>();
        if (value == null) {
            ctx.warnOnce("tracing.otel.env_resource", "Failed to detect resource attributes from the environment:"
                    + " Environment variable doesn't exist: " + ENV_VAR + ".");
            return attributes;
        }
        for (String pair : value.split(",")) {
            if (pair.isEmpty()) {
                continue;
            }
            String[] kv = java.util.Arrays.stream(pair.split("=")).filter(s -> !s.isEmpty()).toArray(String[]::new);
            if (kv.length != 2) {
                ctx.warnOnce("tracing.otel.env_resource:" + pair, "Invalid resource format from the environment,"
                        + " invalid text: " + pair + ".");
                continue;
            }
            attributes.put(kv[0], kv[1]);
        }
        return attributes;
    }
}
