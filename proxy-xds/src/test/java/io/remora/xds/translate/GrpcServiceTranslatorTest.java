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
    void clientsThatDoNotRetryRefuseTheRetryPolicy() {
        RetryPolicy retry = RetryPolicy.newBuilder().setRetryOn("unavailable").build();
        assertEquals("x.grpc_service.retry_policy", refused(() -> GrpcServiceTranslator.envoyGrpc(
                envoyGrpc().setRetryPolicy(retry).build(), false, P, CTX)).path());
        assertEquals("x.grpc_service.retry_policy", refused(() -> GrpcServiceTranslator.cluster(
                envoyGrpc().setRetryPolicy(retry).build(), P, CTX)).path());
    }

    @Test
    void envoyGrpcRetryPolicyIsWarnedAboutOutsideXds() {
        GrpcService g = envoyGrpc().setEnvoyGrpc(GrpcService.EnvoyGrpc.newBuilder().setClusterName("authz")
                .setRetryPolicy(RetryPolicy.newBuilder().setRetryOn("unavailable"))).build();
        FieldPath p = FieldPath.of("warned").field("grpc_service");
        var logged = UnreadFieldsTranslationTest.logged(() -> {
            assertEquals(null, GrpcServiceTranslator.retryingEnvoyGrpc(g, false, p, CTX).retryPolicy(),
                    "envoy_grpc.retry_policy is no call retry policy");
            GrpcServiceTranslator.envoyGrpc(g, false, p.field("again"), CTX);
        });
        assertTrue(logged.stream().anyMatch(m -> m.contains("warned.grpc_service.envoy_grpc.retry_policy")),
                logged.toString());
        assertTrue(logged.stream().anyMatch(m -> m.contains("warned.grpc_service.again.envoy_grpc.retry_policy")),
                logged.toString());
    }

    private static io.remora.config.RetryPolicy retrying(RetryPolicy.Builder p, FieldPath path) {
        return GrpcServiceTranslator.retryingEnvoyGrpc(envoyGrpc().setRetryPolicy(p).build(), false, path, CTX)
                .retryPolicy();
    }

    @Test
    void theRetryPolicyTakesEnvoysDefaults() {
        var r = retrying(RetryPolicy.newBuilder().setRetryOn("unavailable, connect-failure,cancelled"), P);
        assertEquals(Set.of(io.remora.config.RetryPolicy.RetryOn.GRPC_UNAVAILABLE,
                io.remora.config.RetryPolicy.RetryOn.CONNECT_FAILURE, io.remora.config.RetryPolicy.RetryOn.GRPC_CANCELLED),
                r.retryOn());
        assertEquals(1, r.numRetries(), "num_retries defaults to 1");
        assertEquals(Duration.ofSeconds(1), r.baseInterval(), "convertCoreToRouteRetryPolicy's base: 1 s");
        assertEquals(Duration.ofSeconds(10), r.maxInterval(), "ten times the base");
        assertEquals(Duration.ofSeconds(10), r.perTryTimeout(), "the per-try timeout is the max interval");
        assertEquals(null, GrpcServiceTranslator.retryingEnvoyGrpc(envoyGrpc().build(), false, P, CTX).retryPolicy());
    }

    @Test
    void theRetryPolicyReadsItsBackOffAndRetries() {
        var r = retrying(RetryPolicy.newBuilder().setRetryOn("5xx").setNumRetries(UInt32Value.of(4))
                .setRetryBackOff(io.envoyproxy.envoy.config.core.v3.BackoffStrategy.newBuilder()
                        .setBaseInterval(Durations.fromMillis(20))), P);
        assertEquals(4, r.numRetries());
        assertEquals(Duration.ofMillis(20), r.baseInterval());
        assertEquals(Duration.ofMillis(200), r.maxInterval());
        var halved = retrying(RetryPolicy.newBuilder().setRetryOn("5xx")
                .setRetryBackOff(io.envoyproxy.envoy.config.core.v3.BackoffStrategy.newBuilder()
                        .setBaseInterval(Durations.fromSeconds(4)).setMaxInterval(Durations.fromSeconds(1))), P);
        assertEquals(Duration.ofMillis(500), halved.baseInterval(), "max below base: Envoy takes half the max");
        assertEquals(Duration.ofSeconds(1), halved.maxInterval());
    }

    @Test
    void aBadBackOffIsRefusedByPath() {
        var b = io.envoyproxy.envoy.config.core.v3.BackoffStrategy.newBuilder();
        assertEquals("x.grpc_service.retry_policy.retry_back_off.base_interval", refused(() -> retrying(
                RetryPolicy.newBuilder().setRetryBackOff(b.clone().setMaxInterval(Durations.fromSeconds(1))), P)).path());
        assertEquals("x.grpc_service.retry_policy.retry_back_off.base_interval", refused(() -> retrying(
                RetryPolicy.newBuilder().setRetryBackOff(b.clone().setBaseInterval(Durations.fromNanos(10))), P)).path());
        assertEquals("x.grpc_service.retry_policy.retry_back_off.max_interval", refused(() -> retrying(
                RetryPolicy.newBuilder().setRetryBackOff(b.clone().setBaseInterval(Durations.fromMillis(5))
                        .setMaxInterval(Durations.fromNanos(0))), P)).path());
    }

    @Test
    void grpcJavaClientsWarnAboutWhatIsNotAGrpcStatus() {
        FieldPath p = FieldPath.of("grpcjava").field("grpc_service");
        var logged = UnreadFieldsTranslationTest.logged(() -> assertEquals(
                Set.of(io.remora.config.RetryPolicy.RetryOn.GRPC_UNAVAILABLE, io.remora.config.RetryPolicy.RetryOn.RESET),
                GrpcServiceTranslator.statusRetryingEnvoyGrpc(envoyGrpc().setRetryPolicy(RetryPolicy.newBuilder()
                        .setRetryOn("unavailable,reset")).build(), p, CTX).retryPolicy().retryOn()));
        assertTrue(logged.stream().anyMatch(m -> m.contains("'reset'") && m.contains("grpcjava.grpc_service.retry_policy"
                + ".retry_on")), logged.toString());
        assertTrue(logged.stream().noneMatch(m -> m.contains("'unavailable'")), logged.toString());
        assertEquals(List.of("UNAVAILABLE"), io.remora.xds.grpc.GrpcJavaRetries.statusCodes(
                retrying(RetryPolicy.newBuilder().setRetryOn("reset,unavailable,connect-failure"), P)));
    }

    @Test
    void whatTheRetriesCannotApplyIsWarnedAboutByPath() {
        FieldPath p = FieldPath.of("hosts").field("grpc_service");
        var logged = UnreadFieldsTranslationTest.logged(() -> assertEquals(
                Set.of(io.remora.config.RetryPolicy.RetryOn.GRPC_UNAVAILABLE), retrying(RetryPolicy.newBuilder()
                        .setRetryOn("unavailable,no-such-condition").setHostSelectionRetryMaxAttempts(3)
                        .addRetryHostPredicate(RetryPolicy.RetryHostPredicate.newBuilder()
                                .setName("envoy.retry_host_predicates.previous_hosts")), p).retryOn()));
        for (String f : List.of("retry_on", "retry_host_predicate", "host_selection_retry_max_attempts")) {
            assertTrue(logged.stream().anyMatch(m -> m.contains("hosts.grpc_service.retry_policy." + f)),
                    f + ": " + logged);
        }
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
        assertEquals("x.grpc_service.google_grpc.channel_args.args[\"grpc.keepalive_time_ms\"]", refused(() ->
                GrpcServiceTranslator.checkGoogleGrpc(googleGrpc(GrpcService.GoogleGrpc.newBuilder().setChannelArgs(
                        GrpcService.GoogleGrpc.ChannelArgs.newBuilder().putArgs("grpc.keepalive_time_ms",
                                GrpcService.GoogleGrpc.ChannelArgs.Value.newBuilder().setIntValue(1000).build())))
                        .build(), false, P)).path());
        // the TLS server name and authority args on an ssl_credentials channel (grpc-core's), nowhere else
        var override = GrpcService.GoogleGrpc.ChannelArgs.newBuilder().putArgs("grpc.ssl_target_name_override",
                GrpcService.GoogleGrpc.ChannelArgs.Value.newBuilder().setStringValue("xds.test").build());
        GrpcServiceTranslator.checkGoogleGrpc(ssl.toBuilder().setGoogleGrpc(ssl.getGoogleGrpc().toBuilder()
                .setChannelArgs(override)).build(), true, P);
        assertEquals("x.grpc_service.google_grpc.channel_args.args[\"grpc.ssl_target_name_override\"]", refused(() ->
                GrpcServiceTranslator.checkGoogleGrpc(googleGrpc(GrpcService.GoogleGrpc.newBuilder()
                        .setChannelArgs(override)).build(), true, P)).path());
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
