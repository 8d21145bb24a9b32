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

    @Test
    void resourceDetectorsAreWarnedAbout() {
        assertEquals(List.of(), translate(FIELDS).warnings());
        List<String> warnings = translate(FIELDS + """
                resource_detectors:
                - name: envoy.tracers.opentelemetry.resource_detectors.environment
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.tracers.opentelemetry.resource_detectors.v3.EnvironmentResourceDetectorConfig
                """).warnings();
        assertTrue(warnings.stream().anyMatch(w -> w.contains("resource_detectors")), warnings.toString());
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
