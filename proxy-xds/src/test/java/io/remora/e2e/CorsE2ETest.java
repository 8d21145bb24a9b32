package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CORS filter through a real proxy: a policy on the virtual host, a more specific one on a
 * route, and the deprecated {@code cors} field on a second virtual host; curl and the JDK client
 * as browsers would send preflights and simple requests.
 */
class CorsE2ETest {

    @RegisterExtension
    static final E2EStack stack = E2EStack.checkingLeaks();
    static TestUpstream upstream;
    static ProxyProcess proxy;

    @BeforeAll
    static void start() throws Exception {
        upstream = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200,
                "upstream saw " + req.method() + " " + req.uri()));
        String routes = """
                - match: { prefix: "/switch" }
                  route: { cluster: app }
                  typed_per_filter_config:
                    envoy.filters.http.cors:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy
                      filter_enabled: { runtime_key: cors.switch, default_value: { numerator: 100 } }
                - match: { prefix: "/strict" }
                  route: { cluster: app }
                  typed_per_filter_config:
                    envoy.filters.http.cors:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy
                      allow_methods: "PUT"
                      forward_not_matching_preflights: false
                - match: { prefix: "/wildcard" }
                  route: { cluster: app }
                  typed_per_filter_config:
                    envoy.filters.http.cors:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy
                      allow_methods: "*"
                      allow_headers: "*"
                - match: { prefix: "/pna" }
                  route: { cluster: app }
                  typed_per_filter_config:
                    envoy.filters.http.cors:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy
                      allow_private_network_access: true
                - match: { prefix: "/shadow" }
                  route: { cluster: app }
                  typed_per_filter_config:
                    envoy.filters.http.cors:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy
                      filter_enabled: { default_value: { numerator: 0 } }
                      shadow_enabled: { default_value: { numerator: 100 } }
                - match: { prefix: "/" }
                  route: { cluster: app }
                """;
        String yaml = stack.http(TempPaths.file("access", ".log").toString(), routes,
                Bootstraps.cluster("app", false, null, upstream.port()));
        // The CORS filter before the router; a policy on the catch-all virtual host; and a virtual
        // host configured the deprecated way, as some Istio versions still do.
        yaml = yaml.replace("          http_filters:\n", """
                          http_filters:
                          - name: envoy.filters.http.cors
                            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors }
                """);
        yaml = yaml.replace("            - name: all\n              domains: [\"*\"]\n", """
                            - name: legacy
                              domains: ["legacy.example"]
                              cors:
                                allow_origin_string_match: [{ suffix: ".legacy.example" }]
                                allow_methods: "GET"
                                allow_credentials: true
                              routes:
                              - match: { prefix: "/" }
                                route:
                                  cluster: app
                                  cors: { allow_headers: "x-legacy", max_age: "60" }
                            - name: all
                              domains: ["*"]
                              typed_per_filter_config:
                                envoy.filters.http.cors:
                                  "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy
                                  allow_origin_string_match:
                                  - exact: "https://good.example"
                                  - safe_regex: { regex: "https://[a-z]+\\\\.apps\\\\.example" }
                                  allow_methods: "GET, POST"
                                  allow_headers: "x-custom, content-type"
                                  expose_headers: "x-exposed"
                                  max_age: "300"
                                  allow_credentials: true
                """);
        // An admin runtime layer, so that /runtime_modify can turn a policy off.
        yaml = "layered_runtime: { layers: [{ name: admin, admin_layer: {} }] }\n" + yaml;
        proxy = stack.start(yaml);
    }

    static String url(String path) {
        return stack.url(path);
    }

    static Curl preflight(String path, String origin, String... extra) throws Exception {
        String[] args = new String[6 + extra.length];
        args[0] = "-X";
        args[1] = "OPTIONS";
        args[2] = "-H";
        args[3] = "Origin: " + origin;
        args[4] = "-H";
        args[5] = "Access-Control-Request-Method: POST";
        System.arraycopy(extra, 0, args, 6, extra.length);
        String[] all = java.util.Arrays.copyOf(args, args.length + 1);
        all[args.length] = url(path);
        return Curl.run(all);
    }

    @Test
    void allowedPreflightIsAnsweredByTheProxy() throws Exception {
        int before = upstream.requests.get();
        Curl r = preflight("/api", "https://good.example", "-H", "Access-Control-Request-Headers: x-custom",
                "-H", "Access-Control-Request-Private-Network: true");
        assertEquals(200, r.status());
        assertEquals("https://good.example", r.header("access-control-allow-origin"));
        assertEquals("GET, POST", r.header("access-control-allow-methods"));
        assertEquals("x-custom, content-type", r.header("access-control-allow-headers"));
        assertEquals("300", r.header("access-control-max-age"));
        assertEquals("true", r.header("access-control-allow-credentials"));
        assertNull(r.header("access-control-allow-private-network"), "not allowed by the policy");
        assertEquals(0, r.body().length);
        assertEquals(before, upstream.requests.get(), "a preflight never reaches the upstream");
        // Regex origins match the whole value.
        assertEquals("https://shop.apps.example",
                preflight("/api", "https://shop.apps.example").header("access-control-allow-origin"));
    }

    @Test
    void wildcardAllowHeadersEchoesTheRequestedListEvenWhenEmpty() throws Exception {
        Curl named = preflight("/wildcard", "https://good.example", "-H", "Access-Control-Request-Headers: x-a, x-b");
        assertEquals("x-a, x-b", named.header("access-control-allow-headers"));
        assertEquals("POST", named.header("access-control-allow-methods"), "'*' echoes the requested method");
        // Envoy's cors_filter.cc sets the header from the absent request header: present, empty.
        Curl none = preflight("/wildcard", "https://good.example");
        assertEquals(200, none.status());
        assertEquals("", none.header("access-control-allow-headers"), none.headers().toString());
    }

    @Test
    void deniedPreflightIsForwardedUntouchedByDefault() throws Exception {
        int before = upstream.requests.get();
        Curl r = preflight("/api", "https://evil.example");
        assertEquals(200, r.status());
        assertEquals("upstream saw OPTIONS /api", r.text());
        assertTrue(r.headers().keySet().stream().noneMatch(h -> h.startsWith("access-control-")), r.headers().toString());
        assertEquals(before + 1, upstream.requests.get());
        assertNull(preflight("/api", "https://x.apps.example.evil").header("access-control-allow-origin"));
    }

    @Test
    void routePolicyIsMoreSpecificAndCanAnswerDeniedPreflights() throws Exception {
        int before = upstream.requests.get();
        Curl ok = preflight("/strict/x", "https://good.example");
        assertEquals("PUT", ok.header("access-control-allow-methods"), "the route's methods win");
        assertEquals("https://good.example", ok.header("access-control-allow-origin"), "origins from the virtual host");
        assertEquals("300", ok.header("access-control-max-age"));
        Curl denied = preflight("/strict/x", "https://evil.example");
        assertEquals(200, denied.status());
        assertNull(denied.header("access-control-allow-origin"));
        assertEquals(0, denied.body().length);
        assertEquals(before, upstream.requests.get(), "forward_not_matching_preflights: false answers locally");
    }

    @Test
    void simpleRequestsFromAllowedOriginsAreDecorated() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url("/simple")))
                .header("Origin", "https://good.example").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertEquals("upstream saw GET /simple", r.body());
        assertEquals("https://good.example", r.headers().firstValue("access-control-allow-origin").orElse(null));
        assertEquals("true", r.headers().firstValue("access-control-allow-credentials").orElse(null));
        assertEquals("x-exposed", r.headers().firstValue("access-control-expose-headers").orElse(null));
        assertTrue(r.headers().firstValue("access-control-allow-methods").isEmpty(), "preflight-only header");
    }

    @Test
    void otherOriginsAndRequestsWithoutOriginAreUntouched() throws Exception {
        for (String[] extra : new String[][] {{"-H", "Origin: https://evil.example"}, {}}) {
            String[] args = java.util.Arrays.copyOf(extra, extra.length + 1);
            args[extra.length] = url("/simple");
            Curl r = Curl.run(args);
            assertEquals(200, r.status());
            assertEquals("upstream saw GET /simple", r.text());
            assertTrue(r.headers().keySet().stream().noneMatch(h -> h.startsWith("access-control-")),
                    r.headers().toString());
        }
    }

    @Test
    void deprecatedCorsFieldsOnVirtualHostAndRouteApply() throws Exception {
        Curl r = preflight("/x", "https://a.legacy.example", "-H", "Host: legacy.example");
        assertEquals(200, r.status());
        assertEquals("https://a.legacy.example", r.header("access-control-allow-origin"));
        assertEquals("GET", r.header("access-control-allow-methods"), "from the virtual host");
        assertEquals("x-legacy", r.header("access-control-allow-headers"), "from the route");
        assertEquals("60", r.header("access-control-max-age"));
        assertEquals("true", r.header("access-control-allow-credentials"));
        Curl other = preflight("/x", "https://good.example", "-H", "Host: legacy.example");
        assertEquals("upstream saw OPTIONS /x", other.text(), "the typed policy of the other host does not apply");
    }

    @Test
    void filterEnabledFollowsTheRuntime() throws Exception {
        assertEquals("https://good.example", preflight("/switch", "https://good.example")
                .header("access-control-allow-origin"));
        java.net.http.HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                proxy.adminUri("/runtime_modify?cors.switch=0")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        Curl off = preflight("/switch", "https://good.example");
        assertEquals("upstream saw OPTIONS /switch", off.text(), "the filter is off for this route: forwarded");
        assertNull(off.header("access-control-allow-origin"));
    }

    @Test
    void privateNetworkAccessIsAllowedOnlyWhenAskedFor() throws Exception {
        Curl asked = preflight("/pna", "https://good.example", "-H", "Access-Control-Request-Private-Network: true");
        assertEquals("https://good.example", asked.header("access-control-allow-origin"));
        assertEquals("true", asked.header("access-control-allow-private-network"));
        Curl notAsked = preflight("/pna", "https://good.example");
        assertEquals("https://good.example", notAsked.header("access-control-allow-origin"));
        assertNull(notAsked.header("access-control-allow-private-network"), "Envoy answers it only to the request header");
    }

    @Test
    void shadowModeCountsButEnforcesNothing() throws Exception {
        String valid = "envoy_http_cors_origin_valid{envoy_http_conn_manager_prefix=\"ingress\"}";
        double v0 = proxy.metric(valid);
        Curl r = preflight("/shadow", "https://good.example");
        assertEquals("upstream saw OPTIONS /shadow", r.text(), "the preflight goes upstream");
        assertNull(r.header("access-control-allow-origin"));
        Curl simple = Curl.run("-H", "Origin: https://good.example", url("/shadow/simple"));
        assertNull(simple.header("access-control-allow-origin"), "nor is the response decorated");
        assertEquals(v0 + 2, proxy.metric(valid), "both origins counted");
    }

    @Test
    void originStatsCount() throws Exception {
        String valid = "envoy_http_cors_origin_valid{envoy_http_conn_manager_prefix=\"ingress\"}";
        String invalid = "envoy_http_cors_origin_invalid{envoy_http_conn_manager_prefix=\"ingress\"}";
        double v0 = proxy.metric(valid);
        double i0 = proxy.metric(invalid);
        Curl.run("-H", "Origin: https://good.example", url("/count"));
        Curl.run("-H", "Origin: https://nope.example", url("/count"));
        Curl.run("-H", "Origin: https://nope.example", url("/count"));
        Curl.run(url("/count"));
        assertEquals(v0 + 1, proxy.metric(valid));
        assertEquals(i0 + 2, proxy.metric(invalid));
    }
}
