package io.remora.e2e;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
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
        String rbac = RbacExtensionsE2ETest.rbacFilter("http", """
                rules:
                  action: DENY
                  policies:
                    denied: { permissions: [{ header: { name: x-deny, present_match: true } }], principals: [{ any: true }] }
                """);
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

    /** Per reply: the route's headers as Envoy prints them (%RESPONSE_FLAGS% "-" when there is none). */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', value = {
            // a direct_response: the route's own headers, before the reply's code is set
            "/direct|     |200|0  |200|direct_response|-",
            // the router's 503 UH
            "/down |     |503|0  |503|no_healthy_upstream|UH",
            // a filter's 403 on a forwarding route: the connection manager adds the route's headers
            "/up   |x-deny: 1|403|0  |403|rbac_access_denied_matched_policy[denied]|-",
            // an upstream's response sets the code first
            "/up   |     |201|201|201|via_upstream|-",
    })
    void responseOperatorsPrintWhatEnvoysDo(String path, String header, int status, String code, String statusHeader,
                                            String details, String flags) throws Exception {
        Curl r = header == null ? Curl.get(stack.port, path) : Curl.get(stack.port, path, header);
        assertEquals(status, r.status());
        assertEquals(code, r.header("x-code"));
        assertEquals(statusHeader, r.header("x-status"));
        assertEquals(details, r.header("x-details"));
        assertEquals(flags, r.header("x-flags"));
    }
}
