package io.remora.e2e;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A virtual host's {@code require_tls} over a plaintext listener (protocol_integration_test's
 * RouterRedirectHttpRequest): a request not over https gets a 301 to https at the same host and
 * path, before any route is looked at; one whose x-forwarded-proto says https is routed.
 */
class RequireTlsE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static TestUpstream upstream;

    @BeforeAll
    static void start() throws Exception {
        upstream = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "upstream " + req.uri()));
        String hosts = """
                - name: secure
                  domains: ["www.redirect.com", "www.redirect.com:*"]
                  require_tls: ALL
                  response_headers_to_add: [{ header: { key: x-vhost, value: secure } }]
                  routes:
                  - match: { prefix: /foo }
                    route: { cluster: up }
                - name: external
                  domains: ["external.redirect.com"]
                  require_tls: EXTERNAL_ONLY
                  routes:
                  - match: { prefix: / }
                    route: { cluster: up }
                - name: open
                  domains: ["*"]
                  routes:
                  - match: { prefix: / }
                    route: { cluster: up }
                """;
        stack.start(Bootstraps.listeners(stack.adminPort, Bootstraps.httpListenerWithHosts("http", "", "", hosts),
                Bootstraps.cluster("up", false, null, upstream.port()), java.util.Map.of("http", stack.port)),
                List.of());
    }

    @Test
    void plaintextIsRedirectedToHttps() throws Exception {
        Curl c = Curl.get(stack.port, "/foo?q=1", "host: www.redirect.com");
        assertEquals(301, c.status());
        assertEquals("https://www.redirect.com/foo?q=1", c.header("location"));
        assertNull(c.header("x-vhost"), "Envoy's SSL redirect finalizes no headers");
        // Before the routes: a path no route matches is redirected too.
        Curl unrouted = Curl.get(stack.port, "/elsewhere", "host: www.redirect.com:8080");
        assertEquals(301, unrouted.status());
        assertEquals("https://www.redirect.com:8080/elsewhere", unrouted.header("location"));
        // Envoy's SslRedirector writes the Host as sent: a default port stays (a route's https_redirect drops it).
        assertEquals("https://www.redirect.com:80/foo",
                Curl.get(stack.port, "/foo", "host: www.redirect.com:80").header("location"));
        assertEquals(301, Curl.get(stack.port, "/", "host: external.redirect.com").status());
    }

    @Test
    void httpsPerXForwardedProtoIsRouted() throws Exception {
        Curl c = Curl.get(stack.port, "/foo", "host: www.redirect.com", "x-forwarded-proto: https");
        assertEquals(200, c.status());
        assertEquals("upstream /foo", c.text());
        assertEquals("secure", c.header("x-vhost"));
        assertEquals(200, Curl.get(stack.port, "/foo", "host: other.com").status());
    }
}
