package io.remora.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The OpenTelemetry tracer's {@code resource_detectors} as the collector sees them: the proxy runs
 * with {@code OTEL_RESOURCE_ATTRIBUTES} in its environment, and every export's resource is Envoy's
 * initial one with the environment's attributes and then static_config's merged over it, in order.
 */
class OtelResourceDetectorsE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();

    @Test
    void theDetectedAttributesAreMergedIntoTheSpansResource() throws Exception {
        TestUpstream up = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "ok"));
        OtlpTraceReceiver collector = stack.own(new OtlpTraceReceiver());
        int port = ProxyProcess.freePort();
        String tracing = """
                tracing:
                  random_sampling: { value: 100 }
                  provider:
                    name: envoy.tracers.opentelemetry
                    typed_config:
                      "@type": type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig
                      service_name: checkout
                      grpc_service: { envoy_grpc: { cluster_name: otel }, timeout: 1s }
                      resource_detectors:
                      - name: envoy.tracers.opentelemetry.resource_detectors.environment
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.tracers.opentelemetry.resource_detectors.v3.EnvironmentResourceDetectorConfig
                      - name: envoy.tracers.opentelemetry.resource_detectors.static_config
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.tracers.opentelemetry.resource_detectors.v3.StaticConfigResourceDetectorConfig
                          attributes: { k8s.pod.name: from-static, service.version: "2" }
                """;
        String yaml = Bootstraps.upAndDown(stack.adminPort, port, tracing, up.port(),
                Bootstraps.cluster("otel", true, null, collector.port()))
                + "layered_runtime:\n  layers:\n  - name: static\n    static_layer:\n"
                + "      tracing.opentelemetry.min_flush_spans: 1\n";
        ProxyProcess.Launch local = ProxyProcess.Launch.local();
        ProxyProcess.Launch withEnv = new ProxyProcess.Launch(List.of("env",
                "OTEL_RESOURCE_ATTRIBUTES=service.name=from-env,k8s.pod.name=from-env,broken,deployment.environment=prod"),
                local.classpath(), local.admin());
        stack.own(ProxyProcess.start(withEnv, yaml, stack.adminPort, List.of("-Xmx256m")));

        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/orders")).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertNotNull(collector.next(), "no span exported");
        Map<String, String> resource = collector.resources.poll(15, TimeUnit.SECONDS);
        assertEquals(Map.of("service.name", "from-env", "telemetry.sdk.language", "cpp", "telemetry.sdk.name", "envoy",
                "telemetry.sdk.version", "remora/" + io.remora.xds.Main.VERSION + "/RELEASE",
                "k8s.pod.name", "from-static", "deployment.environment", "prod", "service.version", "2"), resource);
    }
}
