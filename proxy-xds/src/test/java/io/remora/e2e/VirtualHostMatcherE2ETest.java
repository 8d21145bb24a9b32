package io.remora.e2e;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A virtual host's {@code matcher} through real sockets: an {@code x-tenant} header tree sends
 * "blue" to one cluster by a Route action (with its own response header and route stats), "green"
 * to a RouteList whose prefix route goes to another cluster with a prefix rewrite and whose last
 * route answers directly, and everything else to on_no_match's direct response.
 */
class VirtualHostMatcherE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static final Map<String, Integer> PORTS = new HashMap<>();
    static ProxyProcess proxy;
    static TestUpstream blue;
    static TestUpstream green;

    private static final String HOSTS = """
            - name: tenants
              domains: ["*"]
              matcher:
                matcher_tree:
                  input:
                    name: tenant
                    typed_config:
                      "@type": type.googleapis.com/envoy.type.matcher.v3.HttpRequestHeaderMatchInput
                      header_name: x-tenant
                  exact_match_map:
                    map:
                      blue:
                        action:
                          name: blue
                          typed_config:
                            "@type": type.googleapis.com/envoy.config.route.v3.Route
                            match: { prefix: / }
                            stat_prefix: blue
                            route: { cluster: blue }
                            response_headers_to_add: [ { header: { key: x-route, value: blue } } ]
                      green:
                        action:
                          name: green
                          typed_config:
                            "@type": type.googleapis.com/envoy.config.route.v3.RouteList
                            routes:
                            - match: { prefix: /api/ }
                              route: { cluster: green, prefix_rewrite: /v2/ }
                            - match: { prefix: / }
                              direct_response: { status: 403, body: { inline_string: "green serves /api only" } }
                on_no_match:
                  action:
                    name: unknown
                    typed_config:
                      "@type": type.googleapis.com/envoy.config.route.v3.Route
                      match: { prefix: / }
                      direct_response: { status: 404, body: { inline_string: "no such tenant" } }
            """;

    @BeforeAll
    static void start() throws Exception {
        blue = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "blue"));
        green = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "green"));
        PORTS.put("http", ProxyProcess.freePort());
        proxy = stack.start(Bootstraps.listeners(stack.adminPort,
                Bootstraps.httpListenerWithHosts("http", "", "", HOSTS),
                Bootstraps.cluster("blue", false, null, blue.port()) + "\n"
                        + Bootstraps.cluster("green", false, null, green.port()), PORTS), List.of());
    }

    private static Curl get(String path, String... headers) throws Exception {
        return Curl.get(PORTS.get("http"), path, headers);
    }

    @Test
    void theHeaderTreePicksTheClusterAndTheRouteKeepsItsOwnOptions() throws Exception {
        double before = proxy.metric(
                "envoy_vhost_route_upstream_rq_total{envoy_route=\"blue\",envoy_virtual_host=\"tenants\"}");
        Curl b = get("/shop/cart", "x-tenant: blue");
        assertEquals(200, b.status());
        assertEquals("blue", b.text());
        assertEquals("blue", b.header("x-route"));
        assertEquals("/shop/cart", blue.lastHeaders.get(":path"));
        assertEquals(before + 1, proxy.metric(
                "envoy_vhost_route_upstream_rq_total{envoy_route=\"blue\",envoy_virtual_host=\"tenants\"}"));

        Curl g = get("/api/items?page=2", "x-tenant: green");
        assertEquals(200, g.status());
        assertEquals("green", g.text());
        assertNull(g.header("x-route"), "green's route has no response header of blue's");
        assertEquals("/v2/items?page=2", green.lastHeaders.get(":path"));
    }

    @Test
    void aRouteListIsTriedInOrder() throws Exception {
        int greenRequests = green.requests.get();
        Curl r = get("/web/index.html", "x-tenant: green");
        assertEquals(403, r.status());
        assertEquals("green serves /api only", r.text());
        assertEquals(greenRequests, green.requests.get());
    }

    @Test
    void anUnknownOrMissingTenantGetsOnNoMatchsDirectResponse() throws Exception {
        int upstreamRequests = blue.requests.get() + green.requests.get();
        for (Curl r : List.of(get("/shop", "x-tenant: red"), get("/shop"))) {
            assertEquals(404, r.status());
            assertEquals("no such tenant", r.text());
        }
        assertEquals(upstreamRequests, blue.requests.get() + green.requests.get());
    }
}
