package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code envoy.filters.http.api_key_auth} with curl: keys from a header (a {@code Bearer } prefix
 * stripped), a query parameter and a cookie, first source found winning; Envoy's 401 and 403
 * bodies; a route's allowed clients and a route's own credentials; the three counters.
 */
class ApiKeyAuthE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static TestUpstream upstream;
    static ProxyProcess proxy;

    @BeforeAll
    static void start() throws Exception {
        upstream = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "path=" + req.uri()));
        String filter = """
                - name: envoy.filters.http.api_key_auth
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.api_key_auth.v3.ApiKeyAuth
                    credentials:
                    - { key: key-alice, client: alice }
                    - { key: key-bob, client: bob }
                    key_sources:
                    - header: X-API-KEY
                    - query: api_key
                    - cookie: ApiKey
                """;
        String routes = """
                - match: { prefix: "/alice-only" }
                  route: { cluster: web }
                  typed_per_filter_config:
                    envoy.filters.http.api_key_auth:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.api_key_auth.v3.ApiKeyAuthPerRoute
                      allowed_clients: [ alice ]
                - match: { prefix: "/partner" }
                  route: { cluster: web }
                  typed_per_filter_config:
                    envoy.filters.http.api_key_auth:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.api_key_auth.v3.ApiKeyAuthPerRoute
                      credentials: [ { key: partner-key, client: partner } ]
                      key_sources: [ { header: x-partner-key } ]
                - match: { prefix: "/" }
                  route: { cluster: web }
                """;
        proxy = stack.start(stack.http(TempPaths.file("access", ".log").toString(), routes,
                Bootstraps.cluster("web", false, null, upstream.port()), "", filter), List.of());
    }

    @Test
    void keysClientsAndRoutes() throws Exception {
        String base = "http://127.0.0.1:" + stack.port;
        Curl none = Curl.run(base + "/docs");
        assertEquals(401, none.status());
        assertEquals("Client authentication failed.", none.text());
        assertEquals(401, Curl.run("-H", "x-api-key: nope", base + "/docs").status(), "unknown key");

        assertEquals(200, Curl.run("-H", "x-api-key: key-alice", base + "/docs").status());
        assertEquals(200, Curl.run("-H", "X-API-KEY: Bearer key-bob", base + "/docs").status(), "Bearer stripped");
        Curl query = Curl.run(base + "/docs?x=1&api_key=key%2Dbob");
        assertEquals(200, query.status(), "query parameter, decoded");
        assertEquals("path=/docs?x=1&api_key=key%2Dbob", query.text(), "the key stays in the request");
        assertEquals(200, Curl.run("-H", "cookie: a=b; ApiKey=key-alice", base + "/docs").status());
        assertEquals(401, Curl.run("-H", "cookie: apikey=key-alice", base + "/docs").status(), "cookie names are exact");
        assertEquals(401, Curl.run("-H", "x-api-key: nope", base + "/docs?api_key=key-alice").status(),
                "the first source that has a key decides");

        assertEquals(200, Curl.run("-H", "x-api-key: key-alice", base + "/alice-only").status());
        Curl forbidden = Curl.run("-H", "x-api-key: key-bob", base + "/alice-only");
        assertEquals(403, forbidden.status());
        assertEquals("Client is forbidden.", forbidden.text());

        assertEquals(401, Curl.run("-H", "x-api-key: key-alice", base + "/partner").status(),
                "the route's key sources and credentials replace the filter's");
        assertEquals(401, Curl.run("-H", "x-partner-key: key-alice", base + "/partner").status());
        assertEquals(200, Curl.run("-H", "x-partner-key: partner-key", base + "/partner").status());

        String tag = "{envoy_http_conn_manager_prefix=\"ingress\"}";
        assertEquals(6.0, proxy.metric("envoy_http_api_key_auth_allowed" + tag));
        assertEquals(6.0, proxy.metric("envoy_http_api_key_auth_unauthorized" + tag));
        assertEquals(1.0, proxy.metric("envoy_http_api_key_auth_forbidden" + tag));
    }
}
