package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CSRF filter through a real proxy: curl sends mutating and safe requests with Origin or
 * Referer headers against the request's own host, additional origins, and routes whose policy is
 * shadow-only or off; the filter's counters are read from the admin.
 */
class CsrfE2ETest {

    @RegisterExtension
    static final E2EStack stack = E2EStack.checkingLeaks();
    static TestUpstream upstream;
    static ProxyProcess proxy;
    /** /stats as the proxy first answered it, before any request. */
    static String statsAtStart;

    @BeforeAll
    static void start() throws Exception {
        upstream = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200,
                "upstream saw " + req.method() + " " + req.uri()));
        String routes = """
                - match: { prefix: "/shadow" }
                  route: { cluster: app }
                  typed_per_filter_config:
                    envoy.filters.http.csrf:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.csrf.v3.CsrfPolicy
                      filter_enabled: { default_value: { numerator: 0 } }
                      shadow_enabled: { default_value: { numerator: 100 } }
                - match: { prefix: "/off" }
                  route: { cluster: app }
                  typed_per_filter_config:
                    envoy.filters.http.csrf:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.csrf.v3.CsrfPolicy
                      filter_enabled: { runtime_key: csrf.off, default_value: { numerator: 100 } }
                - match: { prefix: "/" }
                  route: { cluster: app }
                """;
        String filters = """
                - name: envoy.filters.http.csrf
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.csrf.v3.CsrfPolicy
                    filter_enabled: { default_value: { numerator: 100 } }
                    additional_origins:
                    - exact: trusted.example
                    - suffix: .partner.example
                """;
        String yaml = stack.http(TempPaths.file("csrf-access", ".log").toString(), routes,
                Bootstraps.cluster("app", false, null, upstream.port()), "", filters);
        // The /off route's policy is turned off through its runtime key.
        yaml = "layered_runtime: { layers: [{ name: static, static_layer: { csrf.off: 0 } }] }\n" + yaml;
        proxy = stack.start(yaml);
        statsAtStart = proxy.admin("/stats");
    }

    static Curl request(String method, String path, String... headers) throws Exception {
        List<String> args = new ArrayList<>(List.of("-X", method));
        for (String h : headers) {
            args.add("-H");
            args.add(h);
        }
        args.add(stack.url(path));
        return Curl.run(args.toArray(String[]::new));
    }

    static double stat(String name) throws Exception {
        return proxy.metric("envoy_http_csrf_" + name + "{envoy_http_conn_manager_prefix=\"ingress\"}");
    }

    static void assertForbidden(Curl r) {
        assertEquals(403, r.status());
        assertEquals("Invalid origin", r.text());
    }

    @Test
    void crossOriginMutationsAreRefused() throws Exception {
        int before = upstream.requests.get();
        for (String method : List.of("POST", "PUT", "DELETE", "PATCH")) {
            assertForbidden(request(method, "/api", "Origin: https://evil.example"));
        }
        assertForbidden(request("POST", "/api", "Origin: null"));
        assertForbidden(request("POST", "/api", "Origin: http://127.0.0.1:" + (stack.port + 1)));
        assertForbidden(request("POST", "/api", "Referer: https://evil.example/page"));
        assertEquals(before, upstream.requests.get(), "none reached the upstream");
    }

    @Test
    void sameOriginAndSafeMethodsPass() throws Exception {
        String self = "http://127.0.0.1:" + stack.port;
        assertEquals("upstream saw POST /api", request("POST", "/api", "Origin: " + self).text());
        assertEquals("upstream saw PUT /api", request("PUT", "/api", "Origin: https://127.0.0.1:" + stack.port)
                .text(), "the scheme is not compared");
        assertEquals("upstream saw DELETE /api", request("DELETE", "/api", "Referer: " + self + "/page?q=1")
                .text(), "Referer when there is no Origin");
        assertEquals("upstream saw POST /api", request("POST", "/api", "Origin: https://app.example",
                "Host: app.example").text(), "compared with the request's own host");
        assertEquals("upstream saw GET /api", request("GET", "/api", "Origin: https://evil.example").text());
        assertEquals("upstream saw OPTIONS /api", request("OPTIONS", "/api", "Origin: https://evil.example").text());
    }

    @Test
    void additionalOriginsAreMatchedOnHostAndPort() throws Exception {
        assertEquals(200, request("POST", "/api", "Origin: https://trusted.example").status());
        assertEquals(200, request("POST", "/api", "Origin: https://shop.partner.example").status());
        assertForbidden(request("POST", "/api", "Origin: https://shop.partner.example:8443"));
        assertForbidden(request("POST", "/api", "Origin: https://trusted.example.evil"));
    }

    @Test
    void shadowModeCountsButPasses() throws Exception {
        double invalid = stat("request_invalid");
        double missing = stat("missing_source_origin");
        double valid = stat("request_valid");
        assertEquals("upstream saw POST /shadow", request("POST", "/shadow", "Origin: https://evil.example").text());
        assertEquals("upstream saw POST /shadow", request("POST", "/shadow").text());
        assertEquals(200, request("POST", "/shadow", "Origin: http://127.0.0.1:" + stack.port).status());
        // The route's policy replaces the filter's whole: its additional origins do not apply.
        assertEquals(200, request("POST", "/shadow", "Origin: https://trusted.example").status());
        assertEquals(invalid + 3, stat("request_invalid"));
        assertEquals(missing + 1, stat("missing_source_origin"));
        assertEquals(valid + 1, stat("request_valid"));
    }

    @Test
    void policyOffThroughTheRuntimeNeitherChecksNorCounts() throws Exception {
        double invalid = stat("request_invalid");
        assertEquals("upstream saw POST /off", request("POST", "/off", "Origin: https://evil.example").text());
        assertEquals(invalid, stat("request_invalid"));
    }

    @Test
    void statsCountEachCheckedRequest() throws Exception {
        double invalid = stat("request_invalid");
        double missing = stat("missing_source_origin");
        double valid = stat("request_valid");
        request("POST", "/count", "Origin: http://127.0.0.1:" + stack.port);
        request("POST", "/count", "Origin: https://evil.example");
        assertForbidden(request("POST", "/count"));
        request("GET", "/count", "Origin: https://evil.example");
        assertEquals(valid + 1, stat("request_valid"));
        assertEquals(invalid + 2, stat("request_invalid"), "a missing origin is also an invalid one");
        assertEquals(missing + 1, stat("missing_source_origin"));
    }

    /** As Envoy's CsrfFilterConfig makes its stats: the counters read 0 before any request. */
    @Test
    void countersExistBeforeTheFirstRequest() {
        for (String name : List.of("missing_source_origin", "request_invalid", "request_valid")) {
            assertTrue(statsAtStart.contains("http.ingress.csrf." + name + ": 0\n"), name + "\n" + statsAtStart);
        }
    }
}
