package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code envoy.filters.http.header_mutation}: the filter's request and response mutations run in
 * order (remove, append with each append action, command operators in values), then a route's
 * {@code HeaderMutationPerRoute}, which here undoes one of the filter's; and the connection
 * manager's early header mutations, before all of them.
 */
class HeaderMutationE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static TestUpstream upstream;
    static ProxyProcess proxy;

    @BeforeAll
    static void start() throws Exception {
        upstream = stack.upstream((ctx, req, n) -> {
            StringBuilder head = new StringBuilder("uri=" + req.uri() + "\n");
            req.headers().forEach(e -> head.append(e.getKey().toLowerCase(java.util.Locale.ROOT)).append('=')
                    .append(e.getValue()).append('\n'));
            TestUpstream.send(ctx, req, 200, head.toString());
        });
        String filter = """
                - name: envoy.filters.http.header_mutation
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.header_mutation.v3.HeaderMutation
                    mutations:
                      request_mutations:
                      - remove: x-drop
                      - append: { header: { key: x-added, value: "%REQ(x-src)%-1" } }
                      - append: { header: { key: x-over, value: new }, append_action: OVERWRITE_IF_EXISTS }
                      - append: { header: { key: x-absent, value: set }, append_action: OVERWRITE_IF_EXISTS }
                      - append: { header: { key: x-src, value: second }, append_action: ADD_IF_ABSENT }
                      - append: { header: { key: user-agent, value: mutated } }
                      query_parameter_mutations:
                      - remove: drop
                      - remove: "a b"
                      - append: { record: { key: from, value: "%REQ(x-src)% 2" } }
                      - append: { record: { key: keep, value: other }, action: ADD_IF_ABSENT }
                      response_mutations:
                      - append: { header: { key: x-resp, value: "seen %REQ(x-src)%" } }
                      - append: { header: { key: content-type, value: extra } }
                - name: levels-least
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.header_mutation.v3.HeaderMutation
                    mutations:
                      response_mutations:
                      - append: { header: { key: x-least-filter, value: "on" } }
                - name: levels-most
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.header_mutation.v3.HeaderMutation
                    most_specific_header_mutations_wins: true
                - name: levels-off
                  disabled: true
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.header_mutation.v3.HeaderMutation
                    mutations:
                      request_mutations:
                      - append: { header: { key: x-off-filter, value: "on" } }
                """;
        String routes = """
                - match: { prefix: "/early", headers: [{ name: x-early, string_match: { exact: "abc!" } }] }
                  direct_response: { status: 200, body: { inline_string: "routed by the early header" } }
                - match: { prefix: "/route" }
                  route: { cluster: web }
                  typed_per_filter_config:
                    envoy.filters.http.header_mutation:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.header_mutation.v3.HeaderMutationPerRoute
                      mutations:
                        request_mutations:
                        - remove: x-added
                        - append: { header: { key: x-route, value: "on" } }
                - match: { prefix: "/levels-disabled" }
                  route: { cluster: web }
                  typed_per_filter_config:
                    levels-least:
                      "@type": type.googleapis.com/envoy.config.route.v3.FilterConfig
                      disabled: true
                - match: { prefix: "/levels" }
                  route: { cluster: web }
                  typed_per_filter_config:
                %s
                    levels-off:
                      "@type": type.googleapis.com/envoy.config.route.v3.FilterConfig
                      config:
                        "@type": type.googleapis.com/envoy.extensions.filters.http.header_mutation.v3.HeaderMutationPerRoute
                - match: { prefix: "/" }
                  route: { cluster: web }
                """.formatted(Bootstraps.indent(levelConfigs("route"), 4));
        String yaml = stack.http(TempPaths.file("access", ".log").toString(), routes,
                Bootstraps.cluster("web", false, null, upstream.port()), "", filter);
        yaml = yaml.replaceFirst("\n( +)name: local\n", "\n$1name: local\n$1typed_per_filter_config:\n"
                + Bootstraps.indent(levelConfigs("table"), 2).replaceAll("(?m)^", "\\$1") + "\n")
                .replaceFirst("\n( +)domains: \\[\"\\*\"\\]\n", "\n$1domains: [\"*\"]\n$1typed_per_filter_config:\n"
                        + Bootstraps.indent(levelConfigs("vhost"), 2).replaceAll("(?m)^", "\\$1") + "\n");
        int at = yaml.indexOf("stat_prefix: ingress");
        String indent = " ".repeat(at - yaml.lastIndexOf('\n', at) - 1);
        // Early mutations run before the route is chosen and before the filter reads x-early.
        yaml = yaml.replace("stat_prefix: ingress\n", "stat_prefix: ingress\n" + indent
                + "early_header_mutation_extensions:\n" + indent + "- name: envoy.http.early_header_mutation.header_mutation\n"
                + indent + "  typed_config:\n" + indent + "    \"@type\": type.googleapis.com/"
                + "envoy.extensions.http.early_header_mutation.header_mutation.v3.HeaderMutation\n"
                + indent + "    mutations:\n"
                + indent + "    - remove: x-early-drop\n"
                + indent + "    - append: { header: { key: x-early, value: \"%REQ(x-src)%!\" }, append_action: OVERWRITE_IF_EXISTS_OR_ADD }\n");
        proxy = stack.start(yaml, List.of());
    }

    /** HeaderMutationPerRoute of both level filters at one level, each setting its own header to {@code level}. */
    private static String levelConfigs(String level) {
        StringBuilder y = new StringBuilder();
        for (String filter : List.of("levels-least", "levels-most")) {
            y.append("""
                    %s:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.header_mutation.v3.HeaderMutationPerRoute
                      mutations:
                        response_mutations:
                        - append: { header: { key: x-%s, value: %s }, append_action: OVERWRITE_IF_EXISTS_OR_ADD }
                    """.formatted(filter, filter, level));
        }
        return y.toString();
    }

    /**
     * Envoy's header_mutation_integration_test: every route level's HeaderMutationPerRoute runs
     * after the filter's own, most specific level first (so the route table's overwrite is left),
     * or last with most_specific_header_mutations_wins (the route's is left); a filter the
     * connection manager declares disabled runs where a route's FilterConfig names it, and a
     * route's FilterConfig disabled takes the filter and its levels away.
     */
    @Test
    void routeLevelsRunInTheOrderTheFilterAsks() throws Exception {
        Curl r = Curl.run(stack.url("/levels"));
        assertEquals(200, r.status());
        assertEquals("table", r.header("x-levels-least"), "the least specific level runs last");
        assertEquals("on", r.header("x-least-filter"));
        assertEquals("route", r.header("x-levels-most"), "most_specific_header_mutations_wins: the route runs last");
        assertTrue(r.text().contains("x-off-filter=on\n"), "enabled by the route's FilterConfig: " + r.text());

        Curl plain = Curl.run(stack.url("/plain"));
        assertEquals("table", plain.header("x-levels-least"));
        assertEquals("vhost", plain.header("x-levels-most"), "no route level: the virtual host's runs last");
        assertFalse(plain.text().contains("x-off-filter="), "disabled by default: " + plain.text());

        Curl off = Curl.run(stack.url("/levels-disabled"));
        assertEquals(200, off.status());
        assertNull(off.header("x-levels-least"), "the filter disabled on the route runs no level");
        assertNull(off.header("x-least-filter"));
        assertEquals("vhost", off.header("x-levels-most"));
    }

    @Test
    void theFiltersMutationsThenTheRoutes() throws Exception {
        Curl r = Curl.run("-H", "x-drop: 1", "-H", "x-src: abc", "-H", "x-over: old", "-H", "x-early: client",
                stack.url("/plain?drop=1&keep=a%20b&drop=2"));
        String seen = r.text();
        assertTrue(seen.startsWith("uri=/plain?from=abc%202&keep=a%20b\n"), "query mutations after the header ones: " + seen);
        assertFalse(seen.contains("x-drop="), seen);
        assertTrue(seen.contains("x-added=abc-1\n"), seen);
        assertTrue(seen.contains("x-over=new\n") && !seen.contains("x-over=old"), seen);
        assertFalse(seen.contains("x-absent="), "OVERWRITE_IF_EXISTS adds nothing: " + seen);
        assertTrue(seen.contains("x-src=abc\n") && !seen.contains("x-src=second"), seen);
        assertEquals("seen abc", r.header("x-resp"), "the request is what %REQ()% reads on the way back");
        assertTrue(seen.contains("x-early=abc!\n"), "the early mutation overwrote the client's: " + seen);

        String routed = Curl.run("-H", "x-src: abc", stack.url("/route")).text();
        assertTrue(routed.startsWith("uri=/route?from=abc%202&keep=other\n"), routed);
        assertFalse(routed.contains("x-added="), "the route's mutations run after the filter's: " + routed);
        assertTrue(routed.contains("x-route=on\n"), routed);
    }

    @Test
    void queryParameterMutationsWriteTheQueryBackSortedByName() throws Exception {
        // Envoy's QueryParamsMulti is a btree_map by name: the rebuilt query is sorted, a name's
        // values kept together in their order, the appended one after those already there.
        String seen = Curl.run("-H", "x-src: abc", stack.url("/plain?z=1&keep=k&a=2&z=0&from=x")).text();
        assertTrue(seen.startsWith("uri=/plain?a=2&from=x&from=abc%202&keep=k&z=1&z=0\n"), seen);
        // A bare name is a name with an empty value in Envoy's map, written back "name=".
        String bare = Curl.run("-H", "x-src: abc", stack.url("/plain?flag&keep=k")).text();
        assertTrue(bare.startsWith("uri=/plain?flag=&from=abc%202&keep=k\n"), bare);
    }

    /**
     * Envoy parses the query with parseAndDecodeQueryString ({@code %XX} decoded, {@code +} left as
     * it is) and writes names and values back as decoded: {@code %41%2F} comes back {@code A/},
     * {@code a%20b} is the name {@code a b} (removed) while {@code a+b} is another name (kept). A
     * byte a request-target cannot hold (the space) stays escaped.
     */
    @Test
    void untouchedParametersComeBackDecodedAsEnvoyWritesThem() throws Exception {
        String seen = Curl.run("-H", "x-src: abc", stack.url("/plain?keep=%41%2Fx%3D&a+b=1&a%20b=2&dr%6Fp=3&sp=%20%7e")).text();
        assertTrue(seen.startsWith("uri=/plain?a+b=1&from=abc%202&keep=A/x=&sp=%20~\n"), seen);
    }

    /**
     * Envoy's header maps hold user-agent (request) and content-type (both) inline, one entry each:
     * an append to one already present joins it with a comma rather than adding a second line.
     */
    @Test
    void anAppendToAnInlineHeaderJoinsIt() throws Exception {
        Curl r = Curl.run("-H", "user-agent: client", stack.url("/plain"));
        assertTrue(r.text().contains("user-agent=client,mutated\n"), r.text());
        assertFalse(r.text().contains("user-agent=mutated"), r.text());
        assertEquals("text/plain,extra", r.header("content-type"));
    }

    /** {@code early_header_mutation_extensions}: the route is chosen on the headers they leave. */
    @Test
    void earlyHeaderMutationsRunBeforeRouting() throws Exception {
        assertEquals("routed by the early header", Curl.run("-H", "x-src: abc",
                stack.url("/early")).text());
        String other = Curl.run("-H", "x-src: xyz", "-H", "x-early-drop: 1", stack.url("/early")).text();
        assertTrue(other.startsWith("uri=/early") && other.contains("x-early=xyz!\n"), other);
        assertFalse(other.contains("x-early-drop="), other);
    }
}
