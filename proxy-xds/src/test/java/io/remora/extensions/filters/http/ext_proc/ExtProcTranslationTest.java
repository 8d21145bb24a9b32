package io.remora.extensions.filters.http.ext_proc;

import io.remora.config.HttpConnectionManagerConfig;
import io.remora.extensions.filters.common.HeaderMutationChecker;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.translate.HcmListenerYaml;
import io.remora.xds.translate.TranslationException;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ext_proc configs in a bootstrap: what they become, and refusals naming the field. */
class ExtProcTranslationTest {

    static final String F = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http_filters[0].typed_config";
    static final String GRPC = "grpc_service: { envoy_grpc: { cluster_name: proc } }\n";

    static String yaml(String filter, String route) {
        return HcmListenerYaml.listener("",
                HcmListenerYaml.filter("envoy.filters.http.ext_proc",
                        "type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor", filter),
                HcmListenerYaml.catchAllHost("", """
                        route: { cluster: proc }
                        typed_per_filter_config:
                          envoy.filters.http.ext_proc:
                            "@type": type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute
                        """ + route.indent(4))) + HcmListenerYaml.clusters("proc");
    }

    static HttpConnectionManagerConfig hcm(String filter, String route) {
        var model = new BootstrapLoader().loadString(yaml(filter, route), "ext_proc.yaml").model();
        return (HttpConnectionManagerConfig) model.listeners().get(0).filterChains().get(0).filters().get(0);
    }

    static String refusal(String filter) {
        return assertThrows(TranslationException.class,
                () -> new BootstrapLoader().loadString(yaml(filter, "disabled: true"), "ext_proc.yaml")).getMessage();
    }

    @Test
    void defaultsAndPerRouteOverrides() {
        var h = hcm(GRPC, "overrides: { processing_mode: { response_header_mode: SKIP, request_body_mode: BUFFERED } }");
        ExtProcConfig c = (ExtProcConfig) h.httpFilters().get(0).config();
        assertEquals("proc", c.service().cluster());
        assertNull(c.service().timeout());
        assertEquals(ExtProcMode.DEFAULT, c.mode());
        assertEquals(Duration.ofMillis(200), c.messageTimeout());
        assertEquals(Duration.ZERO, c.maxMessageTimeout());
        assertEquals(HeaderMutationChecker.DEFAULT, c.mutationRules());
        var pr = (ExtProcPerRouteConfig) h.routeConfig().virtualHosts().get(0).routes().get(0).perFilterConfigs()
                .get("envoy.filters.http.ext_proc").config();
        assertEquals(new ExtProcMode(true, ExtProcMode.Body.BUFFERED, false, false, ExtProcMode.Body.NONE, false),
                pr.mode());
    }

    @Test
    void streamedAndPartiallyBufferedBodies() {
        ExtProcConfig c = (ExtProcConfig) hcm(GRPC + "processing_mode: { request_body_mode: STREAMED,"
                + " response_body_mode: BUFFERED_PARTIAL }\n", "disabled: true").httpFilters().get(0).config();
        assertEquals(new ExtProcMode(true, ExtProcMode.Body.STREAMED, false, true, ExtProcMode.Body.BUFFERED_PARTIAL,
                false), c.mode());
    }

    @Test
    void observabilityMode() {
        ExtProcConfig c = (ExtProcConfig) hcm(GRPC + "observability_mode: true\n", "disabled: true")
                .httpFilters().get(0).config();
        assertTrue(c.observabilityMode());
        assertEquals(Duration.ofSeconds(5), c.deferredCloseTimeout());
        c = (ExtProcConfig) hcm(GRPC + "observability_mode: true\ndeferred_close_timeout: 2s\n", "disabled: true")
                .httpFilters().get(0).config();
        assertEquals(Duration.ofSeconds(2), c.deferredCloseTimeout());
    }

    @Test
    void sendBodyWithoutWaitingForHeaderResponse() {
        ExtProcConfig c = (ExtProcConfig) hcm(GRPC + "send_body_without_waiting_for_header_response: true\n"
                + "processing_mode: { request_body_mode: STREAMED }\n", "disabled: true").httpFilters().get(0).config();
        assertTrue(c.sendBodyWithoutWaiting());
    }

    @Test
    void mutationRulesAreBuilt() {
        ExtProcConfig c = (ExtProcConfig) hcm(GRPC + "mutation_rules: { allow_all_routing: true, disallow_is_error: true,"
                + " disallow_expression: { regex: \"x-secret.*\" } }\n", "disabled: true").httpFilters().get(0).config();
        HeaderMutationChecker r = c.mutationRules();
        assertEquals(HeaderMutationChecker.Result.OK, r.check(HeaderMutationChecker.Operation.SET, ":authority", "a.b"));
        assertEquals(HeaderMutationChecker.Result.FAIL, r.check(HeaderMutationChecker.Operation.SET, "x-secret-1", "v"));
        assertEquals(HeaderMutationChecker.Result.FAIL, r.check(HeaderMutationChecker.Operation.REMOVE, ":path", ""));
        assertEquals(HeaderMutationChecker.Result.IGNORE,
                HeaderMutationChecker.DEFAULT.check(HeaderMutationChecker.Operation.SET, "x-envoy-foo", "v"));
    }

    @Test
    void unsupportedOptionsAreRefusedWithTheirPath() {
        // Envoy's rule for FULL_DUPLEX_STREAMED: trailers sent.
        assertTrue(refusal(GRPC + "processing_mode: { request_body_mode: FULL_DUPLEX_STREAMED }")
                .contains(F + ".processing_mode.request_trailer_mode"));
        assertTrue(refusal(GRPC + "processing_mode: { response_body_mode: FULL_DUPLEX_STREAMED }")
                .contains(F + ".processing_mode.response_trailer_mode"));
        assertTrue(refusal(GRPC + "observability_mode: true\ndeferred_close_timeout: 7200s")
                .contains(F + ".deferred_close_timeout"));
        assertTrue(refusal("http_service: { http_service: { http_uri: { uri: x, cluster: proc, timeout: 1s } } }")
                .contains(F + ".http_service"));
        assertTrue(refusal(GRPC + "metadata_options: { forwarding_namespaces: { typed: [a] } }")
                .contains(F + ".metadata_options.forwarding_namespaces.typed"));
        assertTrue(refusal(GRPC + "message_timeout: 7200s").contains(F + ".message_timeout"));
        // Envoy parses each attribute as a CEL expression and refuses one that does not parse.
        assertTrue(refusal(GRPC + "request_attributes: [ request.path, 'request.(' ]")
                .contains(F + ".request_attributes[1]"));
    }

    @Test
    void fullDuplexWithItsTrailersIsAccepted() {
        ExtProcConfig c = (ExtProcConfig) hcm(GRPC + "processing_mode: { response_body_mode: FULL_DUPLEX_STREAMED,"
                + " response_trailer_mode: SEND }", "disabled: true").httpFilters().get(0).config();
        assertEquals(ExtProcMode.Body.FULL_DUPLEX_STREAMED, c.mode().responseBody());
    }

    @Test
    void fullDuplexTakesFailureModeAllow() {
        // Envoy 1.36 (#40503): the combination is accepted again; the filter fails open until a chunk went.
        ExtProcConfig c = (ExtProcConfig) hcm(GRPC + "failure_mode_allow: true\nprocessing_mode: {"
                + " request_body_mode: FULL_DUPLEX_STREAMED, request_trailer_mode: SEND }", "disabled: true")
                .httpFilters().get(0).config();
        assertTrue(c.failureModeAllow());
        assertEquals(ExtProcMode.Body.FULL_DUPLEX_STREAMED, c.mode().requestBody());
    }

    @Test
    void attributesAreCompiledOnceEach() {
        ExtProcConfig c = (ExtProcConfig) hcm(GRPC + "request_attributes: [ request.path, request.path ]\n"
                + "response_attributes: [ response.code, no_such.attribute ]", "disabled: true").httpFilters().get(0)
                .config();
        assertTrue(!c.requestAttributes().isEmpty() && !c.responseAttributes().isEmpty());
        assertEquals(ExtProcAttributes.NONE, ((ExtProcConfig) hcm(GRPC, "disabled: true").httpFilters().get(0)
                .config()).requestAttributes());
    }

    @Test
    void attributeValuesAreConvertedAsEnvoyPrintsThem() {
        assertEquals(com.google.protobuf.Value.newBuilder().setNumberValue(42).build(), ExtProcAttributes.value(42L));
        assertEquals(com.google.protobuf.Value.newBuilder().setBoolValue(true).build(), ExtProcAttributes.value(true));
        assertEquals("map value", ExtProcAttributes.value(java.util.Map.of("a", "b")).getStringValue());
        assertEquals("bytes", ExtProcAttributes.value(com.google.protobuf.ByteString.copyFromUtf8("bytes"))
                .getStringValue());
        assertEquals("2026-01-02T03:04:05.5+00:00", ExtProcAttributes.time(java.time.Instant.parse(
                "2026-01-02T03:04:05.500Z")));
        assertEquals("2026-01-02T03:04:05+00:00", ExtProcAttributes.time(java.time.Instant.parse(
                "2026-01-02T03:04:05Z")));
        assertEquals("1h2m3.25s", ExtProcAttributes.duration(Duration.ofMillis(3_723_250)));
        assertEquals("150ms", ExtProcAttributes.duration(Duration.ofMillis(150)));
        assertEquals("2.5us", ExtProcAttributes.duration(Duration.ofNanos(2_500)));
        assertEquals("0", ExtProcAttributes.duration(Duration.ZERO));
    }
}
