package io.remora.xds.translate;

import com.google.protobuf.UInt32Value;
import com.google.protobuf.util.Durations;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.RetryPolicy;
import io.remora.extensions.filters.http.ext_authz.GrpcServiceConfig;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GrpcService, for every gRPC client: what is built, and what is refused by its field path. */
class GrpcServiceTranslatorTest {

    private static final FieldPath P = FieldPath.of("x.grpc_service");
    private static final TranslationContext CTX = new TranslationContext(Set.of("authz"));

    private static GrpcService.Builder envoyGrpc() {
        return GrpcService.newBuilder().setEnvoyGrpc(GrpcService.EnvoyGrpc.newBuilder().setClusterName("authz"));
    }

    private static GrpcService.Builder googleGrpc(GrpcService.GoogleGrpc.Builder g) {
        return GrpcService.newBuilder().setGoogleGrpc(g.setTargetUri("127.0.0.1:1").setStatPrefix("s"));
    }

    private static TranslationException refused(Runnable r) {
        return assertThrows(TranslationException.class, r::run);
    }

    @Test
    void envoyGrpcCarriesTimeoutMetadataAndTheReceiveLimit() {
        GrpcService g = envoyGrpc().setTimeout(Durations.fromMillis(750))
                .addInitialMetadata(HeaderValue.newBuilder().setKey("X-Tenant").setValue("blue"))
                .setEnvoyGrpc(GrpcService.EnvoyGrpc.newBuilder().setClusterName("authz")
                        .setMaxReceiveMessageLength(UInt32Value.of(64)).setSkipEnvoyHeaders(true)).build();
        GrpcServiceConfig c = GrpcServiceTranslator.envoyGrpc(g, false, P, CTX);
        assertEquals(new GrpcServiceConfig("authz", "authz", Duration.ofMillis(750), List.of(Map.entry("x-tenant", "blue")),
                false, 64, true), c);
        assertFalse(GrpcServiceTranslator.envoyGrpc(envoyGrpc().build(), false, P, CTX).skipEnvoyHeaders(),
                "unset: Envoy's headers are sent");
        assertEquals(0, GrpcServiceTranslator.envoyGrpc(envoyGrpc().build(), false, P, CTX).maxReceiveMessageLength(),
                "unset: no limit, as Envoy's");
        assertEquals(Duration.ofMillis(200), GrpcServiceTranslator.envoyGrpc(envoyGrpc().build(), false, P, CTX).timeout());
    }

    @Test
    void retriesAreRefusedEverywhere() {
        RetryPolicy retry = RetryPolicy.newBuilder().setRetryOn("unavailable").build();
        assertEquals("x.grpc_service.retry_policy", refused(() -> GrpcServiceTranslator.envoyGrpc(
                envoyGrpc().setRetryPolicy(retry).build(), false, P, CTX)).path());
        assertEquals("x.grpc_service.envoy_grpc.retry_policy", refused(() -> GrpcServiceTranslator.envoyGrpc(
                envoyGrpc().setEnvoyGrpc(GrpcService.EnvoyGrpc.newBuilder().setClusterName("authz")
                        .setRetryPolicy(retry)).build(), false, P, CTX)).path());
    }

    @Test
    void clientsThatApplyNoReceiveLimitRefuseIt() {
        GrpcService g = envoyGrpc().setEnvoyGrpc(GrpcService.EnvoyGrpc.newBuilder().setClusterName("authz")
                .setMaxReceiveMessageLength(UInt32Value.of(64))).build();
        assertEquals("x.grpc_service.envoy_grpc.max_receive_message_length",
                refused(() -> GrpcServiceTranslator.cluster(g, P, CTX)).path());
    }

    @Test
    void googleGrpcFieldsGrpcJavaCannotHonourAreRefusedByName() {
        var creds = GrpcService.GoogleGrpc.ChannelCredentials.newBuilder();
        assertEquals("x.grpc_service.google_grpc.channel_credentials.google_default", refused(() ->
                GrpcServiceTranslator.checkGoogleGrpc(googleGrpc(GrpcService.GoogleGrpc.newBuilder().setChannelCredentials(
                        creds.clone().setGoogleDefault(com.google.protobuf.Empty.getDefaultInstance()))).build(), true, P)).path());
        assertEquals("x.grpc_service.google_grpc.channel_credentials.local_credentials", refused(() ->
                GrpcServiceTranslator.checkGoogleGrpc(googleGrpc(GrpcService.GoogleGrpc.newBuilder().setChannelCredentials(
                        creds.clone().setLocalCredentials(GrpcService.GoogleGrpc.GoogleLocalCredentials
                                .getDefaultInstance()))).build(), true, P)).path());
        GrpcService ssl = googleGrpc(GrpcService.GoogleGrpc.newBuilder().setChannelCredentials(creds.clone()
                .setSslCredentials(GrpcService.GoogleGrpc.SslCredentials.getDefaultInstance()))).build();
        GrpcServiceTranslator.checkGoogleGrpc(ssl, true, P);
        assertTrue(refused(() -> GrpcServiceTranslator.checkGoogleGrpc(ssl, false, P)).getMessage()
                .contains("channel_credentials: not supported by this gRPC client"));
        assertEquals("x.grpc_service.google_grpc.call_credentials", refused(() -> GrpcServiceTranslator.checkGoogleGrpc(
                googleGrpc(GrpcService.GoogleGrpc.newBuilder().addCallCredentials(GrpcService.GoogleGrpc.CallCredentials
                        .newBuilder().setAccessToken("t"))).build(), false, P)).path());
        assertEquals("x.grpc_service.google_grpc.channel_args", refused(() -> GrpcServiceTranslator.checkGoogleGrpc(
                googleGrpc(GrpcService.GoogleGrpc.newBuilder().setChannelArgs(GrpcService.GoogleGrpc.ChannelArgs
                        .newBuilder().putArgs("grpc.keepalive_time_ms", GrpcService.GoogleGrpc.ChannelArgs.Value
                                .newBuilder().setIntValue(1000).build()))).build(), false, P)).path());
        assertEquals("x.grpc_service.google_grpc.per_stream_buffer_limit_bytes", refused(() ->
                GrpcServiceTranslator.checkGoogleGrpc(googleGrpc(GrpcService.GoogleGrpc.newBuilder()
                        .setPerStreamBufferLimitBytes(UInt32Value.of(1024))).build(), false, P)).path());
    }

    @Test
    void aSinkOrTracerThatCannotApplyTheLimitRefusesItInItsConfig() {
        TranslationException e = assertThrows(TranslationException.class, () -> BootstrapTracers.provider(
                "envoy.tracers.skywalking", "envoy.config.trace.v3.SkyWalkingConfig",
                "grpc_service: { envoy_grpc: { cluster_name: authz, max_receive_message_length: 10 } }\n", CTX));
        assertTrue(e.getMessage().contains("grpc_service.envoy_grpc.max_receive_message_length: not supported"),
                e.getMessage());
    }
}
