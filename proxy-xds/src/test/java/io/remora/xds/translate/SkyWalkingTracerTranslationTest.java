package io.remora.xds.translate;

import io.remora.config.NodeInfo;
import io.remora.config.TracingConfig;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code envoy.tracers.skywalking} as Istio's MeshConfig writes it (an envoy_grpc cluster for the
 * OAP), with Envoy's defaults for the client config; credentials it cannot honour refused.
 */
class SkyWalkingTracerTranslationTest {

    private static final String OAP = "outbound|11800||skywalking-oap.istio-system.svc.cluster.local";

    private static TracingConfig.Provider provider(String fields, TranslationContext ctx) {
        return BootstrapTracers.provider("envoy.tracers.skywalking", "envoy.config.trace.v3.SkyWalkingConfig", fields, ctx);
    }

    private static String error(String fields) {
        return assertThrows(TranslationException.class,
                () -> provider(fields, new TranslationContext(Set.of(OAP)))).getMessage();
    }

    @Test
    void istiosClusterWithEnvoysDefaults() {
        TranslationContext ctx = new TranslationContext(Set.of(OAP));
        TracingConfig.SkyWalking s = (TracingConfig.SkyWalking) provider(
                "grpc_service: { envoy_grpc: { cluster_name: \"" + OAP + "\" } }\n", ctx);
        assertEquals(new TracingConfig.SkyWalking(new TracingConfig.GrpcCollector(OAP, OAP, "", Map.of()), "", "",
                1024), s);
        assertEquals(List.of(), ctx.warnings());
        // Envoy's names: the node's cluster and id, else "EnvoyProxy".
        TracingConfig.SkyWalking named = s.withDefaultNames(NodeInfo.of("sidecar~10.1.1.1~reviews-v1", "reviews.default"));
        assertEquals("reviews.default", named.serviceName());
        assertEquals("sidecar~10.1.1.1~reviews-v1", named.instanceName());
        assertEquals("EnvoyProxy", s.withDefaultNames(null).serviceName());
        assertEquals("EnvoyProxy", s.withDefaultNames(NodeInfo.of("", "")).instanceName());
    }

    @Test
    void clientConfigAndMetadata() {
        TracingConfig.SkyWalking s = (TracingConfig.SkyWalking) provider("""
                grpc_service:
                  envoy_grpc: { cluster_name: "%s", authority: oap.example }
                  initial_metadata: [{ key: X-Tenant, value: blue }]
                client_config:
                  service_name: mesh-gateway
                  instance_name: gw-0
                  backend_token: s3cret
                  max_cache_size: 7
                """.formatted(OAP), new TranslationContext(Set.of(OAP)));
        assertEquals(new TracingConfig.SkyWalking(new TracingConfig.GrpcCollector(OAP, "oap.example", "",
                Map.of("x-tenant", "blue", "authentication", "s3cret")), "mesh-gateway", "gw-0", 7), s);
        assertEquals(s, s.withDefaultNames(NodeInfo.of("node", "cluster")));
    }

    @Test
    void googleGrpcTarget() {
        TracingConfig.SkyWalking s = (TracingConfig.SkyWalking) provider(
                "grpc_service: { google_grpc: { target_uri: \"dns:///oap.skywalking:11800\", stat_prefix: sw } }\n",
                new TranslationContext(Set.of()));
        assertEquals(new TracingConfig.GrpcCollector("", "", "oap.skywalking:11800", Map.of()), s.collector());
    }

    @Test
    void badOrUnhonourableFieldsAreNamed() {
        assertTrue(error("client_config: { service_name: x }\n")
                .startsWith("tracing.http.typed_config.grpc_service: missing required field"),
                error("client_config: { service_name: x }\n"));
        assertTrue(error("grpc_service: { envoy_grpc: { cluster_name: nowhere } }\n")
                .startsWith("tracing.http.typed_config.grpc_service.envoy_grpc.cluster_name: unknown cluster"),
                error("grpc_service: { envoy_grpc: { cluster_name: nowhere } }\n"));
        String tls = error("""
                grpc_service:
                  google_grpc:
                    target_uri: oap:11800
                    stat_prefix: sw
                    channel_credentials: { ssl_credentials: {} }
                """);
        assertTrue(tls.startsWith("tracing.http.typed_config.grpc_service.google_grpc.channel_credentials: not"
                + " supported"), tls);
        String bin = error("grpc_service: { envoy_grpc: { cluster_name: \"" + OAP + "\" },"
                + " initial_metadata: [{ key: x-trace-bin, value: AAEC }] }\n");
        assertTrue(bin.startsWith("tracing.http.typed_config.grpc_service.initial_metadata: binary"), bin);
        String noPort = error("grpc_service: { google_grpc: { target_uri: oap, stat_prefix: sw } }\n");
        assertTrue(noPort.startsWith("tracing.http.typed_config.grpc_service.google_grpc.target_uri:"), noPort);
    }
}
