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

    /**
     * Envoy's cookie since stateful_session_encode_ttl_in_cookie: the base64 of its envoy.Cookie
     * message, field 1 the address and field 2 (with a ttl) the monotonic second it expires.
     */
    private static String cookieMessage(int port, long expires) {
        byte[] address = ("127.0.0.1:" + port).getBytes(StandardCharsets.US_ASCII);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(0x0a);
        out.write(address.length);
        out.writeBytes(address);
        if (expires != 0) {
            out.write(0x10);
            for (long v = expires; ; v >>>= 7) {
                if ((v & ~0x7fL) == 0) {
                    out.write((int) v);
                    break;
                }
                out.write((int) (v & 0x7f) | 0x80);
            }
        }
        return Base64.getEncoder().encodeToString(out.toByteArray());
    }

    /**
     * Asserts {@code setCookie} is {@code name} naming 127.0.0.1:{@code port} with Envoy's message,
     * expiring {@code ttl} seconds from now on the monotonic clock (the proxy's and this JVM's are
     * the same clock; a few seconds either way for a loaded machine), then {@code attributes}.
     */
    private static void assertSessionCookie(String setCookie, String name, int port, long ttl, String attributes) {
        String prefix = name + "=\"";
        assertTrue(setCookie.startsWith(prefix) && setCookie.endsWith("\"" + attributes), setCookie);
        String value = setCookie.substring(prefix.length(), setCookie.length() - attributes.length() - 1);
        long now = System.nanoTime() / 1_000_000_000L;
        for (long expires = now + ttl - 30; expires <= now + ttl + 1; expires++) {
            if (value.equals(cookieMessage(port, expires))) {
                return;
            }
        }
        assertEquals(cookieMessage(port, now + ttl), value, "the cookie names the host and expires in " + ttl + " s");
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
                assertSessionCookie(first.headers().firstValue("set-cookie").orElse(""), "sticky", firstPort, 120,
                        "; Max-Age=120; Path=/; HttpOnly");

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
                assertSessionCookie(unknown.headers().firstValue("set-cookie").orElse(""), "sticky", answered, 120,
                        "; Max-Age=120; Path=/; HttpOnly");

                // Envoy's own cookie names the host as well; once expired it names none, and a new one is set.
                long now = System.nanoTime() / 1_000_000_000L;
                for (int i = 0; i < 2; i++) {
                    HttpResponse<String> r = get(client, port, "/a", "cookie", "sticky=" + cookieMessage(ports[i], now + 600));
                    assertEquals("u" + i, r.body());
                    assertTrue(r.headers().firstValue("set-cookie").isEmpty());
                }
                HttpResponse<String> expired = get(client, port, "/strict", "cookie", "sticky=" + cookieMessage(u1.port(), 1));
                assertEquals(200, expired.statusCode(), "an expired cookie names no host, even for a strict session");
                assertTrue(expired.headers().firstValue("set-cookie").isPresent());

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
                    assertSessionCookie(r.headers().firstValue("set-cookie").orElse(""), "sticky", ok.port(), 120,
                            "; Max-Age=120; Path=/; HttpOnly");
                }
                assertEquals(3, failing.requests.get());
            }
        }
    }
}
