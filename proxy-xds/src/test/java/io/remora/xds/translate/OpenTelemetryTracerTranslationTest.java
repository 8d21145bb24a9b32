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
}
