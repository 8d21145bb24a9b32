package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sticky sessions through the proxy: a header-hashed RING_HASH route and a MAGLEV route keep
 * every user on one upstream across connections, both workers and a restart of the proxy; an
 * httpCookie-style policy hands out a cookie that then pins the client.
 */
class ConsistentHashE2ETest {

    private static String routes() {
        return """
                - match: { prefix: "/ring" }
                  route:
                    cluster: ring
                    hash_policy: [{ header: { header_name: x-user } }]
                - match: { prefix: "/maglev" }
                  route:
                    cluster: maglev
                    hash_policy: [{ query_parameter: { name: user } }]
                - match: { prefix: "/cookie" }
                  route:
                    cluster: ring
                    hash_policy: [{ cookie: { name: sticky, ttl: 3600s, path: / } }]""";
    }

    private static Map<String, String> assignment(HttpClient client, int port, List<String> users, String kind)
            throws Exception {
        Map<String, String> out = new HashMap<>();
        for (String u : users) {
            HttpRequest.Builder b = kind.equals("ring")
                    ? HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ring")).header("x-user", u)
                    : HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/maglev?user=" + u));
            HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            out.put(u, r.body());
        }
        return out;
    }

    @Test
    void usersStickToOneUpstreamAcrossConnectionsWorkersAndRestarts() throws Exception {
        List<TestUpstream> ups = new ArrayList<>();
        try {
            int[] ports = new int[4];
            for (int i = 0; i < 4; i++) {
                ups.add(TestUpstream.text("u" + i));
                ports[i] = ups.get(i).port();
            }
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String clusters = Bootstraps.cluster("ring", false, "  lb_policy: RING_HASH\n", ports)
                    + Bootstraps.cluster("maglev", false, "  lb_policy: MAGLEV\n", ports);
            String yaml = Bootstraps.http(admin, port, TempPaths.file("access", ".log").toString(), routes(),
                    clusters);
            // 100 users: any one whose host changes fails the test, and the chance that one of four
            // hosts gets none of them is 4 * 0.75^100, about 1e-12.
            List<String> users = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                users.add("user-" + i);
            }
            Map<String, String> ring1;
            Map<String, String> maglev1;
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
                // A new client (new connections, spread over both workers) each round.
                ring1 = assignment(HttpClient.newHttpClient(), port, users, "ring");
                assertEquals(ring1, assignment(HttpClient.newHttpClient(), port, users, "ring"));
                maglev1 = assignment(HttpClient.newHttpClient(), port, users, "maglev");
                assertEquals(maglev1, assignment(HttpClient.newHttpClient(), port, users, "maglev"));
            }
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
                assertEquals(ring1, assignment(HttpClient.newHttpClient(), port, users, "ring"), "after a restart");
                assertEquals(maglev1, assignment(HttpClient.newHttpClient(), port, users, "maglev"), "after a restart");
            }
            assertEquals(4, new HashSet<>(ring1.values()).size(), "users spread over every upstream");
            assertEquals(4, new HashSet<>(maglev1.values()).size(), "users spread over every upstream");
        } finally {
            ups.forEach(TestUpstream::close);
        }
    }

    @Test
    void aMissingCookieIsGeneratedAndThenPinsTheClient() throws Exception {
        List<TestUpstream> ups = new ArrayList<>();
        try {
            int[] ports = new int[4];
            for (int i = 0; i < 4; i++) {
                ups.add(TestUpstream.text("u" + i));
                ports[i] = ups.get(i).port();
            }
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String yaml = Bootstraps.http(admin, port, TempPaths.file("access", ".log").toString(), routes(),
                    Bootstraps.cluster("ring", false, "  lb_policy: RING_HASH\n", ports)
                            + Bootstraps.cluster("maglev", false, "  lb_policy: MAGLEV\n", ports));
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
                HttpClient client = HttpClient.newHttpClient();
                HttpResponse<String> first = client.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/cookie")).build(), HttpResponse.BodyHandlers.ofString());
                String setCookie = first.headers().firstValue("set-cookie").orElse(null);
                assertNotNull(setCookie, "a cookie is generated when absent");
                assertTrue(setCookie.matches("sticky=\"[0-9a-f]{16}\"; Max-Age=3600; Path=/; HttpOnly"), setCookie);
                String cookie = setCookie.substring(0, setCookie.indexOf(';'));
                for (int i = 0; i < 20; i++) {
                    HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + port + "/cookie")).header("cookie", cookie).build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertEquals(first.body(), r.body(), "the cookie pins the upstream");
                    assertTrue(r.headers().firstValue("set-cookie").isEmpty(), "no new cookie when one is sent");
                }
            }
        } finally {
            ups.forEach(TestUpstream::close);
        }
    }

    /** A cookie policy's {@code attributes} follow Path on the generated cookie, before HttpOnly, as Envoy writes them. */
    @Test
    void generatedCookieCarriesTheAttributes() throws Exception {
        try (TestUpstream up = TestUpstream.text("u")) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String routes = """
                    - match: { prefix: "/" }
                      route:
                        cluster: ring
                        hash_policy:
                        - cookie:
                            name: sticky
                            ttl: 60s
                            path: /app
                            attributes: [{ name: SameSite, value: Strict }, { name: Secure }]
                    """;
            String yaml = Bootstraps.http(admin, port, TempPaths.file("access", ".log").toString(), routes,
                    Bootstraps.cluster("ring", false, "  lb_policy: RING_HASH\n", up.port()));
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
                String setCookie = Curl.get(port, "/app").header("set-cookie");
                assertNotNull(setCookie, "a cookie is generated when absent");
                assertTrue(setCookie.matches("sticky=\"[0-9a-f]{16}\"; Max-Age=60; Path=/app; SameSite=Strict; Secure;"
                        + " HttpOnly"), setCookie);
            }
        }
    }

    /**
     * Envoy's router computes the hash at every pick (computeHashKey, no cache), so a retried
     * request without the cookie has a cookie generated by each try's pick: the response carries
     * the Set-Cookie twice, same value.
     */
    @Test
    void aRetriedRequestGetsTheGeneratedCookieOncePerPick() throws Exception {
        try (TestUpstream up = TestUpstream.start((ctx, req, n) ->
                TestUpstream.send(ctx, req, n == 1 ? 503 : 200, "try " + n))) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String routes = """
                    - match: { prefix: "/" }
                      route:
                        cluster: ring
                        retry_policy: { retry_on: 5xx, num_retries: 1 }
                        hash_policy: [{ cookie: { name: sticky, ttl: 60s } }]
                    """;
            String yaml = Bootstraps.http(admin, port, TempPaths.file("access", ".log").toString(), routes,
                    Bootstraps.cluster("ring", false, "  lb_policy: RING_HASH\n", up.port()));
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
                HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/")).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode());
                assertEquals("try 2", r.body(), "the 503 was retried");
                List<String> cookies = r.headers().allValues("set-cookie");
                assertEquals(2, cookies.size(), "one Set-Cookie per pick: " + cookies);
                assertEquals(cookies.get(0), cookies.get(1), "the connection's cookie both times");
            }
        }
    }
}
