package io.remora.e2e;

import io.netty.handler.codec.http.HttpHeaderNames;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code envoy.filters.http.custom_response} through a real proxy: an upstream 401 becomes a local
 * reply with the policy's status, formatted body and header; a 5xx is sent again as a GET to another
 * path and host (a fixed uri, or a redirect_action applied to the request), whose 2xx answer gets the policy's status and header; a route's own matcher wins
 * where it matches; a redirect target's error is not processed again; a URI no route serves and an
 * unmatched status pass the original response through.
 */
class CustomResponseE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    /** What the upstream saw of each request: "METHOD path host x-cr body". */
    private static final List<String> seen = new CopyOnWriteArrayList<>();
    private static ProxyProcess proxy;
    private static String base;

    private static String action(String name, String policy, String fields) {
        return """
                action:
                  name: %s
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.http.custom_response.%s
                """.formatted(name, policy) + fields.indent(4);
    }

    private static String single(String input, String fields, String value, String onMatch) {
        return """
                - predicate:
                    single_predicate:
                      input: { name: in, typed_config: { "@type": type.googleapis.com/envoy.type.matcher.v3.%s%s } }
                      value_match: { exact: "%s" }
                  on_match:
                """.formatted(input, fields, value) + onMatch.indent(4);
    }

    @BeforeAll
    static void start() throws Exception {
        TestUpstream upstream = stack.upstream((ctx, req, n) -> {
            String path = req.uri();
            seen.add(req.method() + " " + path + " " + req.headers().get(HttpHeaderNames.HOST) + " "
                    + req.headers().get("x-cr") + " " + req.content().toString(StandardCharsets.UTF_8));
            if (path.startsWith("/error-page")) {
                boolean fail = req.headers().contains("x-make-fail");
                TestUpstream.send(ctx, req, fail ? 503 : 200, fail ? "error page failed" : "error page");
            } else if (path.startsWith("/unauth") || path.startsWith("/route/unauth")) {
                TestUpstream.send(ctx, req, 401, "upstream 401", Map.of("x-up", "u1"));
            } else if (path.startsWith("/nowhere")) {
                TestUpstream.send(ctx, req, 500, "upstream 500", Map.of("x-where", "nowhere"));
            } else if (path.startsWith("/moved")) {
                TestUpstream.send(ctx, req, 500, "upstream 500", Map.of("x-where", "moved"));
            } else if (path.startsWith("/teapot")) {
                TestUpstream.send(ctx, req, 418, "teapot");
            } else {
                TestUpstream.send(ctx, req, 503, "upstream 503");
            }
        });
        String matchers = single("HttpResponseHeaderMatchInput", ", header_name: x-where", "nowhere",
                action("nowhere", "redirect_policy.v3.RedirectPolicy", "uri: http://errors.test/unrouted\n"))
                + single("HttpResponseHeaderMatchInput", ", header_name: x-where", "moved",
                action("moved", "redirect_policy.v3.RedirectPolicy",
                        "redirect_action: { host_redirect: errors.test, path_redirect: /error-page }\n"))
                + single("HttpResponseStatusCodeMatchInput", "", "401",
                action("local401", "local_response_policy.v3.LocalResponsePolicy", """
                        body: { inline_string: "please log in" }
                        body_format: { text_format: "custom: %LOCAL_REPLY_BODY% after %RESP(x-up)%" }
                        status_code: 403
                        response_headers_to_add: [{ header: { key: x-custom, value: local } }]
                        """))
                + single("HttpResponseStatusCodeClassMatchInput", "", "5xx",
                action("redirect5xx", "redirect_policy.v3.RedirectPolicy", """
                        uri: "http://errors.test/error-page?from=5xx#frag"
                        status_code: 299
                        request_headers_to_add: [{ header: { key: x-cr, value: redirected } }]
                        response_headers_to_add: [{ header: { key: x-custom, value: redirect } }]
                        """));
        String filter = """
                - name: envoy.filters.http.custom_response
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.custom_response.v3.CustomResponse
                    custom_response_matcher:
                      matcher_list:
                        matchers:
                """ + matchers.indent(8);
        String routeMatcher = """
                typed_per_filter_config:
                  envoy.filters.http.custom_response:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.custom_response.v3.CustomResponse
                    custom_response_matcher:
                      matcher_list:
                        matchers:
                """ + single("HttpResponseStatusCodeClassMatchInput", "", "5xx",
                action("route5xx", "local_response_policy.v3.LocalResponsePolicy", """
                        body: { inline_string: "route says 5xx" }
                        """)).indent(8);
        String routeRedirect = """
                typed_per_filter_config:
                  envoy.filters.http.custom_response:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.custom_response.v3.CustomResponse
                    custom_response_matcher:
                      matcher_list:
                        matchers:
                """ + single("HttpResponseStatusCodeClassMatchInput", "", "5xx",
                action("routeNowhere", "redirect_policy.v3.RedirectPolicy", "uri: http://errors.test/unrouted\n"))
                .indent(8);
        String routes = """
                - match: { prefix: /error-page }
                  route: { cluster: up }
                - match: { prefix: /rnowhere }
                  route: { cluster: up }
                """ + routeRedirect.indent(2) + """
                - match: { prefix: /route }
                  route: { cluster: up }
                """ + routeMatcher.indent(2) + """
                - match: { prefix: /unauth }
                  route: { cluster: up }
                - match: { prefix: /fail }
                  route: { cluster: up }
                - match: { prefix: /nowhere }
                  route: { cluster: up }
                - match: { prefix: /teapot }
                  route: { cluster: up }
                - match: { prefix: /moved }
                  route: { cluster: up }
                - match: { prefix: /refused }
                  route: { cluster: refused }
                """;
        String localOnly = """
                - name: envoy.filters.http.custom_response
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.custom_response.v3.CustomResponse
                    custom_response_matcher:
                      matcher_list:
                        matchers:
                """ + single("HttpResponseStatusCodeMatchInput", "", "401",
                action("onlyLocal", "local_response_policy.v3.LocalResponsePolicy", "status_code: 403\n")).indent(8);
        Map<String, Integer> ports = new HashMap<>(Map.of("http", ProxyProcess.freePort(),
                "local", ProxyProcess.freePort()));
        proxy = stack.start(Bootstraps.listeners(stack.adminPort,
                Bootstraps.httpListenerWithFilters("http", filter, routes) + "\n"
                        + Bootstraps.httpListenerWithFilters("local", localOnly, routes),
                Bootstraps.cluster("up", false, null, upstream.port()) + "\n"
                        + Bootstraps.cluster("refused", false, null, ProxyProcess.freePort()), ports), List.of());
        base = "http://127.0.0.1:" + ports.get("http");
    }

    @BeforeEach
    void clear() {
        seen.clear();
    }

    @Test
    void anUpstream401BecomesTheLocalPolicysReply() throws Exception {
        Curl c = Curl.run(base + "/unauth");
        assertEquals(403, c.status());
        assertEquals("custom: please log in after u1", c.text());
        assertEquals("local", c.header("x-custom"));
        assertNull(c.header("x-up"), "the upstream's response is replaced whole");
        assertEquals(1, seen.size());
    }

    @Test
    void a5xxIsSentAgainAsAGetToTheRedirectTarget() throws Exception {
        Curl c = Curl.run("-X", "POST", "--data-binary", "hello", base + "/fail/a");
        assertEquals(299, c.status());
        assertEquals("error page", c.text());
        assertEquals("redirect", c.header("x-custom"));
        assertEquals(List.of("POST /fail/a 127.0.0.1:" + base.substring(base.lastIndexOf(':') + 1) + " null hello",
                "GET /error-page?from=5xx errors.test redirected "), seen);
    }

    @Test
    void aRedirectActionMakesTheTargetFromTheRequest() throws Exception {
        Curl c = Curl.run(base + "/moved/x?q=1");
        assertEquals(200, c.status(), "no status_code: the target's own");
        assertEquals("error page", c.text());
        assertNull(c.header("x-custom"));
        assertEquals("GET /error-page?q=1 errors.test null ", seen.get(1));
    }

    @Test
    void theProxysOwn503IsRedirectedToo() throws Exception {
        Curl c = Curl.run(base + "/refused");
        assertEquals(299, c.status());
        assertEquals("error page", c.text());
        assertEquals(List.of("GET /error-page?from=5xx errors.test redirected "), seen);
    }

    @Test
    void theRedirectTargetsErrorIsNotProcessedAgain() throws Exception {
        Curl c = Curl.run("-H", "x-make-fail: 1", base + "/fail");
        assertEquals(503, c.status());
        assertEquals("error page failed", c.text());
        assertNull(c.header("x-custom"), "response_headers_to_add is for a 1xx/2xx answer only");
        assertEquals(2, seen.size());
    }

    @Test
    void aRoutesMatcherWinsWhereItMatchesAndTheFiltersOtherwise() throws Exception {
        Curl c = Curl.run(base + "/route/fail");
        assertEquals(503, c.status(), "the route's local policy keeps the response's status");
        assertEquals("route says 5xx", c.text());
        assertEquals(1, seen.size(), "the filter's redirect policy did not run");
        c = Curl.run(base + "/route/unauth");
        assertEquals(403, c.status());
        assertEquals("local", c.header("x-custom"));
    }

    @Test
    void aRedirectWithoutARouteLeavesTheResponseAndCounts() throws Exception {
        double before = proxy.metric("envoy_http_custom_response_redirect_no_route{envoy_http_conn_manager_prefix=\"http\"}");
        Curl c = Curl.run(base + "/nowhere");
        assertEquals(500, c.status());
        assertEquals("upstream 500", c.text());
        assertEquals(1, seen.size());
        assertEquals(before + 1, proxy.metric(
                "envoy_http_custom_response_redirect_no_route{envoy_http_conn_manager_prefix=\"http\"}"));
    }

    @Test
    void anUnmatchedResponsePassesThrough() throws Exception {
        Curl c = Curl.run(base + "/teapot");
        assertEquals(418, c.status());
        assertEquals("teapot", c.text());
        assertNull(c.header("x-custom"));
    }

    /** Envoy's per-route config makes its redirect policies' counters in the server's (root) scope. */
    @Test
    void aRoutesRedirectPolicyCountsInTheRootScope() throws Exception {
        String scoped = "envoy_http_custom_response_redirect_no_route{envoy_http_conn_manager_prefix=\"http\"}";
        double root = proxy.metric("envoy_custom_response_redirect_no_route");
        double before = proxy.metric(scoped);
        Curl c = Curl.run(base + "/rnowhere");
        assertEquals(503, c.status());
        assertEquals("upstream 503", c.text());
        assertEquals(root + 1, proxy.metric("envoy_custom_response_redirect_no_route"));
        assertEquals(before, proxy.metric(scoped));
        assertTrue(proxy.admin("/stats").contains("\ncustom_response_redirect_no_route: "));
    }

    /** Envoy makes the redirect counters with a redirect policy: a filter with local policies only has none. */
    @Test
    void aFilterWithoutRedirectPoliciesHasNoRedirectCounters() throws Exception {
        String prometheus = proxy.admin("/stats/prometheus");
        assertTrue(prometheus.contains("envoy_http_custom_response_redirect_no_route{envoy_http_conn_manager_prefix=\"http\"}"));
        assertFalse(prometheus.contains(
                "envoy_http_custom_response_redirect_no_route{envoy_http_conn_manager_prefix=\"local\"}"));
    }
}
