package io.remora.e2e;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The response operators of a route's response_headers_to_add on the replies the proxy makes
 * itself, read with curl. As Envoy's: the route's headers are finalized before the local reply
 * sets the stream's response code, so %RESPONSE_CODE% is 0 there (envoyproxy/envoy#29814), while
 * %RESP(:status)% reads the reply's headers and the details and flags are already set; an
 * upstream's response sets the code first.
 */
class LocalReplyResponseOperatorsE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static TestUpstream upstream;

    private static final String HEADERS = """
            response_headers_to_add:
            - header: { key: x-code, value: "%RESPONSE_CODE%" }
            - header: { key: x-status, value: "%RESP(:status)%" }
            - header: { key: x-details, value: "%RESPONSE_CODE_DETAILS%" }
            - header: { key: x-flags, value: "%RESPONSE_FLAGS%" }
            """;

    @BeforeAll
    static void start() throws Exception {
        upstream = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 201, "made"));
        String yaml = """
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: ${ADMIN} } }
                static_resources:
                  listeners:
                  - name: front
                    address: { socket_address: { address: 127.0.0.1, port_value: ${PORT} } }
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.http_connection_manager
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                          stat_prefix: front
                          http_filters:
                          - name: envoy.filters.http.rbac
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC
                              rules:
                                action: DENY
                                policies:
                                  denied: { permissions: [{ header: { name: x-deny, present_match: true } }], principals: [{ any: true }] }
                          - name: envoy.filters.http.router
                            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                          route_config:
                            virtual_hosts:
                            - name: all
                              domains: ["*"]
                              routes:
                              - match: { path: "/direct" }
                                direct_response: { status: 200, body: { inline_string: "hi" } }
                ${HEADERS}
                              - match: { path: "/down" }
                                route: { cluster: empty }
                ${HEADERS}
                              - match: { path: "/up" }
                                route: { cluster: web }
                ${HEADERS}
                  clusters:
                ${CLUSTERS}
                  - name: empty
                    type: STATIC
                    connect_timeout: 1s
                    load_assignment: { cluster_name: empty }
                """;
        Map<String, Object> vars = new java.util.HashMap<>();
        vars.put("ADMIN", stack.adminPort);
        vars.put("PORT", stack.port);
        vars.put("HEADERS", Bootstraps.indent(HEADERS, 16));
        vars.put("CLUSTERS", Bootstraps.indent(Bootstraps.cluster("web", false, null, upstream.port()), 2));
        stack.start(ProxyProcess.render(yaml, vars), List.of());
    }

    @Test
    void aDirectResponsePrintsCodeZeroAndItsDetails() throws Exception {
        Curl r = Curl.get(stack.port, "/direct");
        assertEquals(200, r.status());
        assertEquals("0", r.header("x-code"));
        assertEquals("200", r.header("x-status"));
        assertEquals("direct_response", r.header("x-details"));
    }

    @Test
    void noHealthyUpstreamPrintsCodeZeroWithItsFlag() throws Exception {
        Curl r = Curl.get(stack.port, "/down");
        assertEquals(503, r.status());
        assertEquals("0", r.header("x-code"));
        assertEquals("503", r.header("x-status"));
        assertEquals("no_healthy_upstream", r.header("x-details"));
        assertEquals("UH", r.header("x-flags"));
    }

    @Test
    void aFiltersReplyGetsTheRoutesHeadersWithCodeZero() throws Exception {
        Curl r = Curl.get(stack.port, "/up", "x-deny: 1");
        assertEquals(403, r.status());
        assertEquals("0", r.header("x-code"));
        assertEquals("403", r.header("x-status"));
        assertEquals("rbac_access_denied_matched_policy[denied]", r.header("x-details"));
    }

    @Test
    void anUpstreamResponsePrintsItsCode() throws Exception {
        Curl r = Curl.get(stack.port, "/up");
        assertEquals(201, r.status());
        assertEquals("201", r.header("x-code"));
        assertEquals("201", r.header("x-status"));
        assertEquals("via_upstream", r.header("x-details"));
    }
}
