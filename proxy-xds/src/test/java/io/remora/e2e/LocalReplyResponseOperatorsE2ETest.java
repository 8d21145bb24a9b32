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
        String rbac = """
                - name: envoy.filters.http.rbac
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC
                    rules:
                      action: DENY
                      policies:
                        denied: { permissions: [{ header: { name: x-deny, present_match: true } }], principals: [{ any: true }] }
                """;
        String routes = """
                - match: { path: "/direct" }
                  direct_response: { status: 200, body: { inline_string: "hi" } }
                %s
                - match: { path: "/down" }
                  route: { cluster: empty }
                %s
                - match: { path: "/up" }
                  route: { cluster: web }
                %s
                """.formatted(Bootstraps.indent(HEADERS, 2), Bootstraps.indent(HEADERS, 2), Bootstraps.indent(HEADERS, 2));
        String clusters = Bootstraps.cluster("web", false, null, upstream.port()) + "\n"
                + "- { name: empty, type: STATIC, connect_timeout: 1s, load_assignment: { cluster_name: empty } }";
        stack.start(stack.render(Bootstraps.ingress("", rbac, routes),
                Map.of("CLUSTERS", Bootstraps.indent(clusters, 2))), List.of());
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
