package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code envoy.filters.http.basic_auth} with curl's {@code -u}: htpasswd {@code {SHA}} users (the
 * hashes are Envoy's own test vectors), the 401 challenge naming the original URI, the
 * authenticated name forwarded upstream, a route's users replacing the filter's, a route that
 * disables the filter, and the allowed/denied counters.
 */
class BasicAuthE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static TestUpstream upstream;
    static ProxyProcess proxy;

    @BeforeAll
    static void start() throws Exception {
        upstream = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200,
                "user=" + req.headers().get("x-username")));
        String filter = """
                - name: envoy.filters.http.basic_auth
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.basic_auth.v3.BasicAuth
                    users: { inline_string: "# users\\nuser1:{SHA}tESsBmE/yNY3lb6a0L6vVQEZNqw=\\n" }
                    forward_username_header: x-username
                """;
        String routes = """
                - match: { prefix: "/admin" }
                  route: { cluster: web }
                  typed_per_filter_config:
                    envoy.filters.http.basic_auth:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.basic_auth.v3.BasicAuthPerRoute
                      users: { inline_string: "user2:{SHA}EJ9LPFDXsN9ynSmbxvjp75Bmlx8=" }
                - match: { prefix: "/public" }
                  route: { cluster: web }
                  typed_per_filter_config:
                    envoy.filters.http.basic_auth:
                      "@type": type.googleapis.com/envoy.config.route.v3.FilterConfig
                      disabled: true
                - match: { prefix: "/" }
                  route: { cluster: web }
                """;
        proxy = stack.start(stack.http(TempPaths.file("access", ".log").toString(), routes,
                Bootstraps.cluster("web", false, null, upstream.port()), "", filter), List.of());
    }

    @Test
    void usersChallengesAndRoutes() throws Exception {
        String base = "http://127.0.0.1:" + stack.port;
        Curl none = Curl.run(base + "/docs?q=1");
        assertEquals(401, none.status());
        assertEquals("User authentication failed. Missing username and password.", none.text());
        assertEquals("Basic realm=\"" + stack.url("/docs?q=1") + "\"", none.header("www-authenticate"));

        Curl ok = Curl.run("-u", "user1:test1", base + "/docs");
        assertEquals(200, ok.status());
        assertEquals("user=user1", ok.text(), "the name is forwarded");
        assertEquals(401, Curl.run("-u", "user1:wrong", base + "/docs").status());
        assertEquals(401, Curl.run("-u", "nobody:test1", base + "/docs").status());
        Curl bearer = Curl.run("-H", "authorization: Bearer abc", base + "/docs");
        assertEquals("User authentication failed. Expected 'Basic' authentication scheme.", bearer.text());
        Curl noColon = Curl.run("-H", "authorization: Basic dXNlcjE", base + "/docs");
        assertEquals("User authentication failed. Invalid basic credential format.", noColon.text());

        assertEquals(401, Curl.run("-u", "user1:test1", base + "/admin").status(), "the route's users replace the filter's");
        assertEquals(200, Curl.run("-u", "user2:test2", base + "/admin").status());
        assertEquals(200, Curl.run(base + "/public").status(), "disabled on this route");

        assertEquals(2.0, proxy.metric("envoy_http_basic_auth_allowed{envoy_http_conn_manager_prefix=\"ingress\"}"));
        assertEquals(6.0, proxy.metric("envoy_http_basic_auth_denied{envoy_http_conn_manager_prefix=\"ingress\"}"));
    }
}
