package io.remora.extensions.filters.http.ext_authz;

import io.remora.config.HttpConnectionManagerConfig;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.translate.HcmListenerYaml;
import io.remora.xds.translate.TranslationException;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ext_authz configs in a bootstrap: what they become, and errors naming the field. */
class ExtAuthzTranslationTest {

    static final String F = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http_filters[0].typed_config";
    static final String R = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config"
            + ".virtual_hosts[0].routes[0].typed_per_filter_config[\"envoy.filters.http.ext_authz\"]";
    static final String GRPC = "grpc_service: { envoy_grpc: { cluster_name: authz } }";
    static final String ROUTE = "check_settings: { context_extensions: { k: v } }";

    static String yaml(String filter, String route) {
        return HcmListenerYaml.listener("",
                HcmListenerYaml.filter("envoy.filters.http.ext_authz",
                        "type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz", filter),
                HcmListenerYaml.catchAllHost("", """
                        route: { cluster: authz }
                        typed_per_filter_config:
                          envoy.filters.http.ext_authz:
                            "@type": type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute
                        """ + route.indent(4))) + HcmListenerYaml.clusters("authz");
    }

    static TranslationException fail(String filter, String route) {
        TranslationException e = assertThrows(TranslationException.class,
                () -> new BootstrapLoader().loadString(yaml(filter, route), "ext_authz.yaml"));
        System.out.println("refused: " + e.getMessage());
        return e;
    }

    @Test
    void grpcDefaults() {
        var model = new BootstrapLoader().loadString(yaml(GRPC, ROUTE), "ext_authz.yaml").model();
        var hcm = (HttpConnectionManagerConfig) model.listeners().get(0).filterChains().get(0).filters().get(0);
        ExtAuthzConfig c = (ExtAuthzConfig) hcm.httpFilters().get(0).config();
        GrpcServiceConfig g = (GrpcServiceConfig) c.service();
        assertEquals("authz", g.cluster());
        assertEquals("authz", g.authority());
        assertEquals(Duration.ofMillis(200), g.timeout());
        assertEquals(403, c.statusOnError());
        assertEquals(false, c.failureModeAllow());
        var pr = (ExtAuthzPerRouteConfig) hcm.routeConfig().virtualHosts().get(0).routes().get(0).perFilterConfigs()
                .get("envoy.filters.http.ext_authz").config();
        assertEquals("v", pr.contextExtensions().get("k"));
    }

    @Test
    void rawHeadersAndMetadataIngestion() {
        var model = new BootstrapLoader().loadString(yaml(GRPC + "\nencode_raw_headers: true\n"
                + "enable_dynamic_metadata_ingestion: false\ncharge_cluster_response_stats: false\n"
                + "emit_filter_state_stats: true\nfilter_metadata: { team: edge }\n", ROUTE), "ext_authz.yaml").model();
        var hcm = (HttpConnectionManagerConfig) model.listeners().get(0).filterChains().get(0).filters().get(0);
        ExtAuthzConfig c = (ExtAuthzConfig) hcm.httpFilters().get(0).config();
        assertTrue(c.encodeRawHeaders());
        assertFalse(c.ingestDynamicMetadata());
        assertFalse(c.chargeClusterResponseStats());
        assertTrue(c.emitFilterStateStats());
        assertEquals("edge", c.filterMetadata().getFieldsOrThrow("team").getStringValue());
        var defaults = (HttpConnectionManagerConfig) new BootstrapLoader().loadString(yaml(GRPC, ROUTE), "d.yaml")
                .model().listeners().get(0).filterChains().get(0).filters().get(0);
        ExtAuthzConfig d = (ExtAuthzConfig) defaults.httpFilters().get(0).config();
        assertFalse(d.encodeRawHeaders());
        assertTrue(d.ingestDynamicMetadata(), "Envoy ingests the service's dynamic metadata by default");
        assertTrue(d.chargeClusterResponseStats(), "Envoy's default");
        assertFalse(d.emitFilterStateStats());
        assertEquals(null, d.filterMetadata());
    }

    @Test
    void httpService() {
        var model = new BootstrapLoader().loadString(yaml("""
                http_service:
                  server_uri: { uri: "http://authz", cluster: authz, timeout: 0.25s }
                  path_prefix: /check
                  authorization_response: { allowed_upstream_headers: { patterns: [{ prefix: x-auth- }] } }
                failure_mode_allow: true
                status_on_error: { code: 503 }
                with_request_body: { max_request_bytes: 1024, allow_partial_message: true }
                """, "disabled: true"), "ext_authz.yaml").model();
        var hcm = (HttpConnectionManagerConfig) model.listeners().get(0).filterChains().get(0).filters().get(0);
        ExtAuthzConfig c = (ExtAuthzConfig) hcm.httpFilters().get(0).config();
        HttpServiceConfig h = (HttpServiceConfig) c.service();
        assertEquals("/check", h.pathPrefix());
        assertEquals(Duration.ofMillis(250), h.timeout());
        assertTrue(h.upstreamHeaders().get(0).matches("x-auth-user"));
        assertEquals(503, c.statusOnError());
        assertEquals(1024, c.withRequestBody().maxRequestBytes());
    }

    /** Envoy refuses the deprecated authorization_request.allowed_headers beside the filter's own. */
    @Test
    void allowedHeadersTwiceRefused() {
        var e = fail("""
                http_service:
                  server_uri: { uri: "http://authz", cluster: authz, timeout: 1s }
                  authorization_request: { allowed_headers: { patterns: [{ exact: x-a }] } }
                allowed_headers: { patterns: [{ exact: x-b }] }
                """, ROUTE);
        assertEquals(F + ".allowed_headers", e.path());
    }

    /**
     * The filter's allowed_headers limit a gRPC check (set empty: no header at all); an HTTP
     * service takes them as its own, and every header reaches its client, which picks.
     */
    @Test
    void allowedHeadersScope() {
        assertEquals(null, config(GRPC).allowedHeaders(), "unset: every header");
        assertEquals(0, config(GRPC + "\nallowed_headers: {}").allowedHeaders().size());
        ExtAuthzConfig http = config("""
                http_service: { server_uri: { uri: "http://authz", cluster: authz, timeout: 1s } }
                allowed_headers: { patterns: [{ exact: x-b }] }
                """);
        assertEquals(null, http.allowedHeaders());
        assertTrue(((HttpServiceConfig) http.service()).allowedHeaders().get(0).matches("x-b"));
    }

    /** Envoy's HeaderParser refuses a headers_to_add value with an unknown operator. */
    @Test
    void headersToAddWithAnUnknownOperatorRefused() {
        var e = fail("""
                http_service:
                  server_uri: { uri: "http://authz", cluster: authz, timeout: 1s }
                  authorization_request: { headers_to_add: [{ key: x-a, value: "%NO_SUCH_THING%" }] }
                """, ROUTE);
        assertEquals(F + ".http_service.authorization_request.headers_to_add[0].value", e.path());
    }

    /** HttpStatus.code must be a defined StatusCode (Envoy's validation): 299 is none. */
    @Test
    void statusOnErrorMustBeADefinedStatusCode() {
        var e = fail(GRPC + "\nstatus_on_error: { code: 299 }", ROUTE);
        assertEquals(F + ".status_on_error.code", e.path());
        assertEquals(503, config(GRPC + "\nstatus_on_error: { code: ServiceUnavailable }").statusOnError());
    }

    static ExtAuthzConfig config(String filter) {
        var hcm = (HttpConnectionManagerConfig) new BootstrapLoader().loadString(yaml(filter, ROUTE), "a.yaml")
                .model().listeners().get(0).filterChains().get(0).filters().get(0);
        return (ExtAuthzConfig) hcm.httpFilters().get(0).config();
    }

    @Test
    void noService() {
        assertEquals(F, fail("failure_mode_allow: true", ROUTE).path());
    }

    @Test
    void unknownCluster() {
        var e = fail("grpc_service: { envoy_grpc: { cluster_name: nowhere } }", ROUTE);
        assertEquals(F + ".grpc_service.envoy_grpc.cluster_name", e.path());
    }

    @Test
    void googleGrpcRefused() {
        var e = fail("grpc_service: { google_grpc: { target_uri: 'x:1', stat_prefix: s } }", ROUTE);
        assertEquals(F + ".grpc_service.google_grpc", e.path());
    }

    @Test
    void httpTimeoutRequired() {
        var e = fail("http_service: { server_uri: { uri: 'http://a', cluster: authz } }", ROUTE);
        assertEquals(F + ".http_service.server_uri.timeout", e.path());
    }

    /** HttpUri's validation: timeout {lt: 4294967296s}, as Envoy refuses it at load. */
    @Test
    void httpTimeoutBelowTwoToTheThirtyTwoSeconds() {
        var e = fail("http_service: { server_uri: { uri: 'http://a', cluster: authz, timeout: 4294967296s } }", ROUTE);
        assertEquals(F + ".http_service.server_uri.timeout", e.path());
    }

    @Test
    void pathPrefixMustStartWithSlash() {
        var e = fail("http_service: { server_uri: { uri: 'http://a', cluster: authz, timeout: 1s }, path_prefix: x }", ROUTE);
        assertEquals(F + ".http_service.path_prefix", e.path());
    }

    @Test
    void zeroMaxRequestBytes() {
        var e = fail(GRPC + "\nwith_request_body: { max_request_bytes: 0 }", ROUTE);
        assertEquals(F + ".with_request_body.max_request_bytes", e.path());
    }

    @Test
    void perRouteNeedsAnOverride() {
        var e = fail(GRPC, "# no override");
        assertEquals(R, e.path());
    }

    @Test
    void badFilterEnabledMetadata() {
        var e = fail(GRPC + "\nfilter_enabled_metadata: { filter: envoy.filters.http.rbac, path: [], value: { present_match: true } }", ROUTE);
        assertEquals(F + ".filter_enabled_metadata.path", e.path());
    }
}
