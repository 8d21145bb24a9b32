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

/**
 * A route's {@code internal_redirect_policy}: a redirect the policy follows never reaches the
 * client, which gets the redirect target's response; the upstream sees the redirected request
 * (with x-envoy-original-url, the body replayed, or dropped by a 303). Redirects the policy does
 * not follow (over the limit, across schemes, refused by previous_routes, routes without a policy)
 * reach the client as they came.
 */
class InternalRedirectE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    /** What the upstream saw of each request: "METHOD path host original-url body". */
    private static final List<String> seen = new CopyOnWriteArrayList<>();
    /** The x-token header of each request, by path ("null" when absent). */
    private static final Map<String, String> tokens = new java.util.concurrent.ConcurrentHashMap<>();
    private static TestUpstream upstream;
    private static ProxyProcess proxy;
    private static String base;
    private static java.nio.file.Path accessLog;

    @BeforeAll
    static void start() throws Exception {
        upstream = stack.upstream((ctx, req, n) -> {
            String path = req.uri();
            tokens.put(path, String.valueOf(req.headers().get("x-token")));
            seen.add(req.method() + " " + path + " " + req.headers().get(HttpHeaderNames.HOST) + " "
                    + req.headers().get("x-envoy-original-url") + " " + req.content().toString(StandardCharsets.UTF_8));
            if (path.startsWith("/final")) {
                TestUpstream.send(ctx, req, 200, "final " + req.method() + " "
                        + req.content().toString(StandardCharsets.UTF_8));
            } else if (path.startsWith("/loop/")) {
                int i = Integer.parseInt(path.substring("/loop/".length()));
                TestUpstream.send(ctx, req, 302, "", Map.of("location", "http://loop.test/loop/" + (i + 1)));
            } else if (path.equals("/post307")) {
                TestUpstream.send(ctx, req, 307, "", Map.of("location", "http://redirect.test/final"));
            } else if (path.equals("/post303")) {
                TestUpstream.send(ctx, req, 303, "", Map.of("location", "http://redirect.test/final"));
            } else if (path.equals("/cross")) {
                TestUpstream.send(ctx, req, 302, "", Map.of("location", "https://redirect.test/final"));
            } else if (path.equals("/ping")) {
                TestUpstream.send(ctx, req, 302, "", Map.of("location", "http://redirect.test/pong"));
            } else if (path.equals("/pong")) {
                TestUpstream.send(ctx, req, 302, "", Map.of("location", "http://redirect.test/ping"));
            } else {
                // /start and /plain: a redirect with a body of its own
                TestUpstream.send(ctx, req, 302, "moved", Map.of("location", "http://redirect.test/final?from=start",
                        "x-token", "from-redirect"));
            }
        });
        String follow302 = "internal_redirect_policy: { response_headers_to_copy: [x-token] }";
        String routes = """
                - name: start
                  match: { prefix: /start }
                  route: { cluster: up, %s }
                - name: final
                  match: { prefix: /final }
                  route: { cluster: up }
                - name: post
                  match: { prefix: /post }
                  route: { cluster: up, internal_redirect_policy: { redirect_response_codes: [303, 307] } }
                - name: loop
                  match: { prefix: /loop }
                  route: { cluster: up, internal_redirect_policy: { max_internal_redirects: 2 } }
                - name: cross
                  match: { prefix: /cross }
                  route: { cluster: up, %s }
                - name: ping
                  match: { prefix: /ping }
                  route: { cluster: up, internal_redirect_policy: { max_internal_redirects: 5, predicates: [%s] } }
                - name: pong
                  match: { prefix: /pong }
                  route: { cluster: up, internal_redirect_policy: { max_internal_redirects: 5, predicates: [%s] } }
                - name: plain
                  match: { prefix: /plain }
                  route: { cluster: up }
                """.formatted(follow302, follow302, previousRoutes(), previousRoutes());
        Map<String, Integer> ports = new HashMap<>(Map.of("http", ProxyProcess.freePort()));
        accessLog = io.remora.testing.TempPaths.file("redirect-access", ".log");
        String log = Bootstraps.fileAccessLog(accessLog,
                "%RESPONSE_CODE% %RESPONSE_CODE_DETAILS% %RESP(x-token)% %UPSTREAM_HOST%");
        proxy = stack.start(Bootstraps.listeners(stack.adminPort, Bootstraps.httpListener("http", "", log, routes),
                Bootstraps.cluster("up", false, null, upstream.port()), ports), List.of(),
                "--file-flush-interval-msec", "100");
        base = "http://127.0.0.1:" + ports.get("http");
    }

    private static String previousRoutes() {
        return "{ name: previous, typed_config: { \"@type\": type.googleapis.com/"
                + "envoy.extensions.internal_redirect.previous_routes.v3.PreviousRoutesConfig } }";
    }

    @BeforeEach
    void clear() {
        seen.clear();
        tokens.clear();
    }

    @Test
    void aFollowedRedirectReachesTheTargetWithTheOriginalUrl() throws Exception {
        double before = succeeded();
        Curl c = Curl.run(base + "/start/a?q=1");
        assertEquals(200, c.status());
        assertEquals("final GET ", c.text());
        assertEquals(List.of("GET /start/a?q=1 127.0.0.1:" + base.substring(base.lastIndexOf(':') + 1) + " null ",
                "GET /final?from=start redirect.test http://127.0.0.1:" + base.substring(base.lastIndexOf(':') + 1)
                        + "/start/a?q=1 "), seen);
        assertEquals(before + 1, succeeded());
        assertEquals("from-redirect", tokens.get("/final?from=start"), "response_headers_to_copy");
    }

    /**
     * Envoy ends the redirected run as a stream of its own: one access log entry with the
     * redirect's status and headers and the internal_redirect detail, then the target's
     * (redirect_integration_test's BasicInternalRedirect). A redirect passed through is one entry.
     */
    @Test
    void aFollowedRedirectLogsTheFirstRunOnItsOwn() throws Exception {
        int before = java.nio.file.Files.readAllLines(accessLog).size();
        assertEquals(200, Curl.run(base + "/start/log").status());
        assertEquals(302, Curl.run(base + "/plain").status());
        String up = "127.0.0.1:" + upstream.port();
        List<String> lines = List.of("302 internal_redirect from-redirect " + up, "200 via_upstream - " + up,
                "302 via_upstream from-redirect " + up);
        List<String> logged = List.of();
        for (int i = 0; i < 100 && logged.size() < lines.size(); i++) {
            Thread.sleep(50);
            List<String> all = java.nio.file.Files.readAllLines(accessLog);
            logged = all.subList(before, all.size());
        }
        assertEquals(lines, logged);
    }

    @Test
    void a307ReplaysTheBodyAndA303TurnsThePostIntoAGet() throws Exception {
        Curl c = Curl.run("-X", "POST", "--data-binary", "hello", base + "/post307");
        assertEquals(200, c.status());
        assertEquals("final POST hello", c.text());
        assertEquals("POST /final redirect.test", seen.get(1).substring(0, 25));
        seen.clear();
        c = Curl.run("-X", "POST", "--data-binary", "hello", base + "/post303");
        assertEquals(200, c.status());
        assertEquals("final GET ", c.text());
        assertEquals(List.of("POST", "GET"), seen.stream().map(s -> s.split(" ")[0]).toList());
    }

    @Test
    void maxInternalRedirectsBoundsALoop() throws Exception {
        double before = tooMany();
        Curl c = Curl.run(base + "/loop/0");
        assertEquals(302, c.status(), "the third redirect goes to the client");
        assertEquals("http://loop.test/loop/3", c.header("location"));
        assertEquals(List.of("/loop/0", "/loop/1", "/loop/2"), paths());
        assertEquals(before + 1, tooMany());
    }

    @Test
    void aCrossSchemeLocationIsNotFollowedByDefault() throws Exception {
        Curl c = Curl.run(base + "/cross");
        assertEquals(302, c.status());
        assertEquals("https://redirect.test/final", c.header("location"));
        assertEquals(List.of("/cross"), paths());
        assertEquals(1.0, proxy.metric("envoy_http_passthrough_internal_redirect_unsafe_scheme"
                + "{envoy_http_conn_manager_prefix=\"http\"}"));
    }

    @Test
    void previousRoutesStopsALoopBackToAVisitedRoute() throws Exception {
        Curl c = Curl.run(base + "/ping");
        assertEquals(302, c.status());
        assertEquals("http://redirect.test/pong", c.header("location"));
        // ping -> pong -> ping; ping has sent the request to pong once already.
        assertEquals(List.of("/ping", "/pong", "/ping"), paths());
    }

    @Test
    void aRouteWithoutThePolicyPassesTheRedirectThrough() throws Exception {
        Curl c = Curl.run(base + "/plain");
        assertEquals(302, c.status());
        assertEquals("moved", c.text());
        assertEquals(List.of("/plain"), paths());
    }

    private static List<String> paths() {
        return seen.stream().map(s -> s.split(" ")[1]).toList();
    }

    private static double succeeded() throws Exception {
        return proxy.metric("envoy_cluster_upstream_internal_redirect_succeeded_total{envoy_cluster_name=\"up\"}");
    }

    private static double tooMany() throws Exception {
        return proxy.metric("envoy_http_passthrough_internal_redirect_too_many_redirects"
                + "{envoy_http_conn_manager_prefix=\"http\"}");
    }
}
