package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * envoy.filters.http.stateful_session over a round-robin cluster of two upstreams: the cookie (or
 * header) names the host that answered, sending it back pins the following requests to that host,
 * an unknown host falls back and is reset (503 when strict), and a route may disable it.
 */
class StatefulSessionE2ETest {

    private static final String COOKIE_TYPE =
            "type.googleapis.com/envoy.extensions.http.stateful_session.cookie.v3.CookieBasedSessionState";

    /** A session_state of the given extension name, type and config fields (a YAML flow map's body). */
    private static String state(String name, String type, String fields) {
        return "session_state: { name: %s, typed_config: { \"@type\": \"%s\", %s } }".formatted(name, type, fields);
    }

    private static String cookie(String fields) {
        return state("envoy.http.stateful_session.cookie", COOKIE_TYPE, "cookie: { " + fields + " }");
    }

    private static final String FILTER = """
            - name: envoy.filters.http.stateful_session
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.http.stateful_session.v3.StatefulSession
                %s""".formatted(cookie("name: sticky, path: /, ttl: 120s"));

    /** A route to {@code cluster} whose StatefulSessionPerRoute has {@code override} (one YAML line). */
    private static String route(String prefix, String cluster, String override) {
        return """
                - match: { prefix: "%s" }
                  route: { cluster: %s }
                  typed_per_filter_config:
                    envoy.filters.http.stateful_session:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.stateful_session.v3.StatefulSessionPerRoute
                      %s
                """.formatted(prefix, cluster, override);
    }

    private static final String ROUTES = route("/strict", "pair",
            "stateful_session: { strict: true, " + cookie("name: sticky") + " }")
            + route("/limited", "limited", "stateful_session: { strict: true, " + cookie("name: sticky") + " }")
            + route("/scope", "pair", "stateful_session: { " + cookie("name: scoped, path: /scoped") + " }")
            + route("/off", "pair", "disabled: true")
            + route("/header", "pair", "stateful_session: { " + state("envoy.http.stateful_session.header",
            "type.googleapis.com/envoy.extensions.http.stateful_session.header.v3.HeaderBasedSessionState",
            "name: x-session") + " }")
            + """
            - match: { prefix: "/" }
              route: { cluster: pair }""";

    private static String encode(int port) {
        return Base64.getEncoder().encodeToString(("127.0.0.1:" + port).getBytes(StandardCharsets.US_ASCII));
    }

    private static HttpResponse<String> get(HttpClient client, int port, String path, String header, String value)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        if (header != null) {
            b.header(header, value);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void sessionPinsRequestsToTheHostItNames() throws Exception {
        try (TestUpstream u0 = TestUpstream.text("u0"); TestUpstream u1 = TestUpstream.text("u1")) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String yaml = Bootstraps.http(admin, port, TempPaths.file("access", ".log").toString(), ROUTES,
                    Bootstraps.cluster("pair", false, "", u0.port(), u1.port())
                            + Bootstraps.cluster("limited", false,
                            "  common_lb_config: { override_host_status: { statuses: [DRAINING] } }\n",
                            u0.port(), u1.port()), "", FILTER);
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
                HttpClient client = HttpClient.newHttpClient();
                int[] ports = {u0.port(), u1.port()};

                HttpResponse<String> first = get(client, port, "/a", null, null);
                assertEquals(200, first.statusCode());
                int firstPort = first.body().equals("u0") ? u0.port() : u1.port();
                assertEquals("sticky=\"" + encode(firstPort) + "\"; Max-Age=120; Path=/; HttpOnly",
                        first.headers().firstValue("set-cookie").orElse(""));

                // Each host in turn: every request lands on the one the cookie names, nothing is set.
                for (int i = 0; i < 2; i++) {
                    String cookie = "other=1; sticky=\"" + encode(ports[i]) + "\"";
                    for (int n = 0; n < 6; n++) {
                        HttpResponse<String> r = get(client, port, "/a", "cookie", cookie);
                        assertEquals("u" + i, r.body());
                        assertTrue(r.headers().firstValue("set-cookie").isEmpty());
                    }
                }

                // A host the cluster does not have: balanced as usual, and the cookie reset.
                HttpResponse<String> unknown = get(client, port, "/a", "cookie", "sticky=" + encode(1));
                assertEquals(200, unknown.statusCode());
                int answered = unknown.body().equals("u0") ? u0.port() : u1.port();
                assertEquals("sticky=\"" + encode(answered) + "\"; Max-Age=120; Path=/; HttpOnly",
                        unknown.headers().firstValue("set-cookie").orElse(""));

                // Strict: that host or none.
                assertEquals(503, get(client, port, "/strict", "cookie", "sticky=" + encode(1)).statusCode());
                HttpResponse<String> strictKnown = get(client, port, "/strict", "cookie", "sticky=" + encode(u1.port()));
                assertEquals("u1", strictKnown.body());
                HttpResponse<String> strictNew = get(client, port, "/strict", null, null);
                assertEquals(200, strictNew.statusCode());
                assertTrue(strictNew.headers().firstValue("set-cookie").orElse("").endsWith("\"; HttpOnly"));

                // The cluster's override_host_status leaves out UNKNOWN (a static host's status).
                assertEquals(503, get(client, port, "/limited", "cookie", "sticky=" + encode(u1.port())).statusCode());

                // The cookie's path scopes the session: /scoped and below, not /scopedx.
                String scoped = get(client, port, "/scoped/x", null, null).headers().firstValue("set-cookie").orElse("");
                assertTrue(scoped.startsWith("scoped=\"") && scoped.endsWith("\"; Path=/scoped; HttpOnly"), scoped);
                assertTrue(get(client, port, "/scopedx", null, null).headers().firstValue("set-cookie").isEmpty());

                // Disabled on the route: round robin despite the cookie, and no cookie set.
                Set<String> seen = new HashSet<>();
                for (int n = 0; n < 4; n++) {
                    HttpResponse<String> r = get(client, port, "/off", "cookie", "sticky=" + encode(u0.port()));
                    seen.add(r.body());
                    assertTrue(r.headers().firstValue("set-cookie").isEmpty());
                }
                assertEquals(Set.of("u0", "u1"), seen);

                // The header state: the response names the host, the request header pins to it.
                HttpResponse<String> h = get(client, port, "/header", null, null);
                int hostPort = h.body().equals("u0") ? u0.port() : u1.port();
                assertEquals(encode(hostPort), h.headers().firstValue("x-session").orElse(""));
                for (int i = 0; i < 2; i++) {
                    for (int n = 0; n < 4; n++) {
                        HttpResponse<String> r = get(client, port, "/header", "x-session", encode(ports[i]));
                        assertEquals("u" + i, r.body());
                        assertTrue(r.headers().firstValue("x-session").isEmpty());
                    }
                }
            }
        }
    }

    @Test
    void aRetryLeavesTheSessionHostAndTheCookieFollows() throws Exception {
        try (TestUpstream failing = TestUpstream.start((ctx, req, n) -> TestUpstream.send(ctx, req, 503, "down"));
             TestUpstream ok = TestUpstream.text("ok")) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String routes = """
                    - match: { prefix: "/" }
                      route:
                        cluster: pair
                        retry_policy:
                          retry_on: 5xx
                          num_retries: 1
                          retry_host_predicate:
                          - name: envoy.retry_host_predicates.previous_hosts
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate
                          host_selection_retry_max_attempts: 5
                          retry_back_off: { base_interval: 0.005s, max_interval: 0.02s }""";
            String yaml = Bootstraps.http(admin, port, TempPaths.file("access", ".log").toString(), routes,
                    Bootstraps.cluster("pair", false, "", failing.port(), ok.port()), "", FILTER);
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
                HttpClient client = HttpClient.newHttpClient();
                for (int n = 0; n < 3; n++) {
                    HttpResponse<String> r = get(client, port, "/", "cookie", "sticky=" + encode(failing.port()));
                    assertEquals("ok", r.body());
                    assertEquals("sticky=\"" + encode(ok.port()) + "\"; Max-Age=120; Path=/; HttpOnly",
                            r.headers().firstValue("set-cookie").orElse(""));
                }
                assertEquals(3, failing.requests.get());
            }
        }
    }
}
