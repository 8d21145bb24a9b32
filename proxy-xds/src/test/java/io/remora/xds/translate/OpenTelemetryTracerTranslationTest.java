package io.remora.xds.translate;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code envoy.tracers.opentelemetry}: the parts Remora does not build are named in a warning. */
class OpenTelemetryTracerTranslationTest {

    private static final String FIELDS = "grpc_service: { envoy_grpc: { cluster_name: otel } }\n";

    private static TranslationContext translate(String fields) {
        TranslationContext ctx = new TranslationContext(Set.of("otel"));
        BootstrapTracers.provider("envoy.tracers.opentelemetry", "envoy.config.trace.v3.OpenTelemetryConfig",
                fields, ctx);
        return ctx;
    }

    /**
     * Envoy's ResourceProviderImpl: service.name and telemetry.sdk.*, then each detector in order,
     * a later key replacing an earlier one; static_config's empty values dropped; Dynatrace's
     * files not read (warned). The environment detector's merge: OtelResourceDetectorsE2ETest.
     */
    @Test
    void resourceDetectorsMergeInOrder() {
        TranslationContext ctx = new TranslationContext(Set.of("otel"));
        var p = (io.remora.config.TracingConfig.OpenTelemetry) BootstrapTracers.provider("envoy.tracers.opentelemetry",
                "envoy.config.trace.v3.OpenTelemetryConfig", FIELDS + """
                service_name: checkout
                resource_detectors:
                - name: envoy.tracers.opentelemetry.resource_detectors.static_config
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.tracers.opentelemetry.resource_detectors.v3.StaticConfigResourceDetectorConfig
                    attributes: { k8s.pod.name: first, service.version: "2", empty: "" }
                - name: envoy.tracers.opentelemetry.resource_detectors.dynatrace
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.tracers.opentelemetry.resource_detectors.v3.DynatraceResourceDetectorConfig
                - name: envoy.tracers.opentelemetry.resource_detectors.static_config
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.tracers.opentelemetry.resource_detectors.v3.StaticConfigResourceDetectorConfig
                    attributes: { k8s.pod.name: second, service.name: renamed }
                """, ctx);
        assertEquals(java.util.Map.of("service.name", "renamed", "telemetry.sdk.language", "cpp",
                "telemetry.sdk.name", "envoy", "telemetry.sdk.version", "remora/" + io.remora.xds.Main.VERSION + "/RELEASE",
                "k8s.pod.name", "second", "service.version", "2"), p.resource());
        assertTrue(ctx.warnings().stream().anyMatch(w -> w.contains("Attribute empty cannot be empty")), ctx.warnings().toString());
        assertTrue(ctx.warnings().stream().anyMatch(w -> w.contains("DynatraceResourceDetectorConfig is not supported")
                && w.contains("resource_detectors[1]")), ctx.warnings().toString());
        assertEquals(List.of(), translate(FIELDS).warnings());
    }

    /** EnvironmentResourceDetector: split on ',' then '=', empty pieces skipped, a pair not of two warned and skipped. */
    @Test
    void otelResourceAttributesAsEnvoySplitsThem() {
        TranslationContext ctx = new TranslationContext(Set.of("otel"));
        assertEquals(java.util.Map.of("service.name", "from-env", "k8s.pod.name", "p", "deployment.environment", "prod"),
                io.remora.xds.tracing.OtelResource.environment(
                        "service.name=from-env,,k8s.pod.name=p,broken,a=b=c,deployment.environment=prod", ctx));
        assertTrue(ctx.warnings().stream().anyMatch(w -> w.contains("invalid text: broken.")), ctx.warnings().toString());
        assertTrue(ctx.warnings().stream().anyMatch(w -> w.contains("invalid text: a=b=c.")), ctx.warnings().toString());
        TranslationContext unset = new TranslationContext(Set.of("otel"));
        assertEquals(java.util.Map.of(), io.remora.xds.tracing.OtelResource.environment(null, unset));
        assertTrue(unset.warnings().stream().anyMatch(w -> w.contains("Environment variable doesn't exist")));
    }

    @Test
    void theGrpcServicesRetryPolicyRetriesTheExports() {
        var p = (io.remora.config.TracingConfig.OpenTelemetry) BootstrapTracers.provider("envoy.tracers.opentelemetry",
                "envoy.config.trace.v3.OpenTelemetryConfig", """
                grpc_service:
                  envoy_grpc: { cluster_name: otel }
                  retry_policy: { retry_on: "unavailable,resource-exhausted", num_retries: 3 }
                """, new TranslationContext(Set.of("otel")));
        assertEquals(3, p.retryPolicy().numRetries());
        assertEquals(List.of("RESOURCE_EXHAUSTED", "UNAVAILABLE"),
                io.remora.xds.grpc.GrpcJavaRetries.statusCodes(p.retryPolicy()));
        assertEquals(null, ((io.remora.config.TracingConfig.OpenTelemetry) BootstrapTracers.provider(
                "envoy.tracers.opentelemetry", "envoy.config.trace.v3.OpenTelemetryConfig", FIELDS,
                new TranslationContext(Set.of("otel")))).retryPolicy());
    }

    /** The CEL sampler's expression is compiled at translation: one missing is refused at its path. */
    @Test
    void theCelSamplerNeedsItsExpression() {
        String sampler = """
                sampler:
                  name: envoy.tracers.opentelemetry.samplers.cel
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.tracers.opentelemetry.samplers.v3.CELSamplerConfig
                """;
        String error = org.junit.jupiter.api.Assertions.assertThrows(TranslationException.class,
                () -> translate(FIELDS + sampler)).getMessage();
        assertTrue(error.contains("tracing.http.typed_config.sampler.typed_config.expression"), error);
        var p = (io.remora.config.TracingConfig.OpenTelemetry) BootstrapTracers.provider("envoy.tracers.opentelemetry",
                "envoy.config.trace.v3.OpenTelemetryConfig", FIELDS + sampler
                        + "    expression: { parsed_expr: { expr: { const_expr: { bool_value: true } } } }\n",
                new TranslationContext(Set.of("otel")));
        assertTrue(p.sampler() != null && p.sampler() != io.remora.tracing.SpanSampler.ALWAYS_ON, p.toString());
    }
}
