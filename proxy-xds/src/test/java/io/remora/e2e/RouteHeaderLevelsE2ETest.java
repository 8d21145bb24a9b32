package io.remora.e2e;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Envoy's header_integration_test cases through real sockets: request and response headers added
 * and removed at the route configuration, virtual host, route and weighted cluster levels,
 * appended (most specific level first) or overwritten (with most_specific_header_mutations_wins,
 * most specific last); additions to a name Envoy keeps inline (user-agent) joining the entry
 * already there; keep_empty_value; command operators in values.
 */
class RouteHeaderLevelsE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static final Map<String, Integer> ports = new HashMap<>();

    @BeforeAll
    static void start() throws Exception {
        // The body is the request's header lines as the upstream read them, in order.
        TestUpstream upstream = stack.upstream((ctx, req, n) -> {
            StringBuilder lines = new StringBuilder();
            req.headers().forEach(e -> lines.append(e.getKey().toLowerCase(java.util.Locale.ROOT)).append(": ")
                    .append(e.getValue()).append('\n'));
            Map<String, String> h = new LinkedHashMap<>();
            for (String level : List.of("routeconfig", "vhost", "route", "weighted-cluster")) {
                h.put("x-" + level + "-response", "upstream");
                h.put("x-" + level + "-response-remove", "upstream");
            }
            h.put("x-unmodified", "upstream");
            TestUpstream.send(ctx, req, 200, lines.toString(), h);
        });
        StringBuilder listeners = new StringBuilder();
        listeners.append(listener("append", "APPEND_IF_EXISTS_OR_ADD", false)).append('\n');
        listeners.append(listener("overwrite", "OVERWRITE_IF_EXISTS_OR_ADD", true)).append('\n');
        stack.start(Bootstraps.listeners(stack.adminPort, listeners.toString(),
                Bootstraps.cluster("up", false, null, upstream.port()), ports), List.of());
    }

    /** Header_integration_test's route configuration, every addition with {@code action}. */
    private static String listener(String name, String action, boolean mostSpecificWins) {
        ports.put(name, ProxyProcess.freePort());
        String hosts = """
                - name: vhost-headers
                  domains: ["vhost-headers.com"]
                  request_headers_to_add: [{ header: { key: x-vhost-request, value: vhost }, ACTION }]
                  request_headers_to_remove: [x-vhost-request-remove]
                  response_headers_to_add: [{ header: { key: x-vhost-response, value: vhost }, ACTION }]
                  response_headers_to_remove: [x-vhost-response-remove]
                  routes:
                  - match: { prefix: /vhost-route-and-weighted-clusters }
                    request_headers_to_add: [{ header: { key: x-route-request, value: route }, ACTION }]
                    request_headers_to_remove: [x-route-request-remove]
                    response_headers_to_add:
                    - { header: { key: x-route-response, value: route }, ACTION }
                    - { header: { key: details, value: "%RESPONSE_CODE_DETAILS%" }, ACTION }
                    response_headers_to_remove: [x-route-response-remove]
                    route:
                      weighted_clusters:
                        clusters:
                        - name: up
                          weight: 100
                          request_headers_to_add:
                          - { header: { key: x-weighted-cluster-request, value: weighted-cluster-1 }, ACTION }
                          request_headers_to_remove: [x-weighted-cluster-request-remove]
                          response_headers_to_add:
                          - { header: { key: x-weighted-cluster-response, value: weighted-cluster-1 }, ACTION }
                          response_headers_to_remove: [x-weighted-cluster-response-remove]
                - name: append-same-headers
                  domains: ["append-same-headers.com"]
                  request_headers_to_add:
                  - header: { key: x-foo, value: value1 }
                  - header: { key: user-agent, value: token1 }
                  routes:
                  - match: { prefix: /test }
                    route: { cluster: up }
                    request_headers_to_add:
                    - header: { key: x-foo, value: value2 }
                    - header: { key: user-agent, value: token2 }
                    - header: { key: x-real-ip, value: "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%" }
                - name: empty-headers
                  domains: ["empty-headers.com"]
                  request_headers_to_add:
                  - { header: { key: x-ds-add-empty, value: "%PER_REQUEST_STATE(does.not.exist)%" }, keep_empty_value: true }
                  - header: { key: x-ds-no-add-empty, value: "%PER_REQUEST_STATE(does.not.exist)%" }
                  - header: { key: user-agent, value: "%PER_REQUEST_STATE(does.not.exist)%" }
                  response_headers_to_add:
                  - { header: { key: x-us-add-empty, value: "%PER_REQUEST_STATE(does.not.exist)%" }, keep_empty_value: true }
                  - header: { key: x-us-no-add-empty, value: "%PER_REQUEST_STATE(does.not.exist)%" }
                  routes:
                  - match: { prefix: / }
                    route: { cluster: up }
                """.replace("ACTION", "append_action: " + action);
        String routeConfig = """
                response_headers_to_add: [{ header: { key: x-routeconfig-response, value: routeconfig }, ACTION }]
                response_headers_to_remove: [x-routeconfig-response-remove]
                request_headers_to_add: [{ header: { key: x-routeconfig-request, value: routeconfig }, ACTION }]
                request_headers_to_remove: [x-routeconfig-request-remove]
                most_specific_header_mutations_wins: WINS
                """.replace("ACTION", "append_action: " + action).replace("WINS", String.valueOf(mostSpecificWins));
        String hcm = "use_remote_address: false\nxff_num_trusted_hops: 1";
        return Bootstraps.httpListenerWithHosts(name, "", hcm, hosts).replace(
                "        route_config:\n          virtual_hosts:\n",
                "        route_config:\n" + Bootstraps.indent(routeConfig, 10) + "\n          virtual_hosts:\n");
    }

    private static Curl request(String listener, String host, String path, String... headers) throws Exception {
        List<String> args = new ArrayList<>(List.of("-H", "host: " + host));
        for (String h : headers) {
            args.add("-H");
            args.add(h);
        }
        args.add("http://127.0.0.1:" + ports.get(listener) + path);
        return Curl.run(args.toArray(String[]::new));
    }

    /** The header lines the upstream read with these names, in order. */
    private static List<String> seen(Curl c, String... names) {
        List<String> wanted = Arrays.asList(names);
        return c.text().lines().filter(l -> wanted.contains(l.substring(0, l.indexOf(':')))).toList();
    }

    private static final String[] REQUEST_NAMES = {"x-routeconfig-request", "x-routeconfig-request-remove",
        "x-vhost-request", "x-vhost-request-remove", "x-route-request", "x-route-request-remove",
        "x-weighted-cluster-request", "x-weighted-cluster-request-remove", "x-unmodified"};

    private static final String[] DOWNSTREAM = {"x-routeconfig-request: downstream",
        "x-routeconfig-request-remove: downstream", "x-vhost-request: downstream",
        "x-vhost-request-remove: downstream", "x-route-request: downstream", "x-route-request-remove: downstream",
        "x-weighted-cluster-request: downstream", "x-weighted-cluster-request-remove: downstream",
        "x-unmodified: downstream"};

    /** TestRouteConfigVirtualHostRouteAndClusterAppendHeaderManipulation. */
    @Test
    void appendsMostSpecificLevelFirstAfterTheRemovals() throws Exception {
        Curl c = request("append", "vhost-headers.com", "/vhost-route-and-weighted-clusters", DOWNSTREAM);
        assertEquals(List.of("x-routeconfig-request: downstream", "x-vhost-request: downstream",
                "x-route-request: downstream", "x-weighted-cluster-request: downstream", "x-unmodified: downstream",
                "x-weighted-cluster-request: weighted-cluster-1", "x-route-request: route",
                "x-vhost-request: vhost", "x-routeconfig-request: routeconfig"), seen(c, REQUEST_NAMES));
        assertEquals("upstream, weighted-cluster-1", c.header("x-weighted-cluster-response"));
        assertEquals("upstream, route", c.header("x-route-response"));
        assertEquals("upstream, vhost", c.header("x-vhost-response"));
        assertEquals("upstream, routeconfig", c.header("x-routeconfig-response"));
        for (String level : List.of("routeconfig", "vhost", "route", "weighted-cluster")) {
            assertFalse(c.headers().containsKey("x-" + level + "-response-remove"), level);
        }
        assertEquals("upstream", c.header("x-unmodified"));
        assertEquals("via_upstream", c.header("details"), "%RESPONSE_CODE_DETAILS% in a response header");
    }

    /** TestRouteConfigVirtualHostRouteAndClusterReplaceHeaderManipulation, most specific last. */
    @Test
    void overwritesWithTheMostSpecificLevelLast() throws Exception {
        Curl c = request("overwrite", "vhost-headers.com", "/vhost-route-and-weighted-clusters", DOWNSTREAM);
        assertEquals(List.of("x-unmodified: downstream", "x-weighted-cluster-request: weighted-cluster-1",
                "x-routeconfig-request: routeconfig", "x-vhost-request: vhost", "x-route-request: route"),
                seen(c, REQUEST_NAMES));
        assertEquals("weighted-cluster-1", c.header("x-weighted-cluster-response"));
        assertEquals("route", c.header("x-route-response"));
        assertEquals("vhost", c.header("x-vhost-response"));
        assertEquals("routeconfig", c.header("x-routeconfig-response"));
    }

    /**
     * TestAppendSameHeaders: user-agent is one of the names Envoy's maps keep in one entry, so the
     * route's and the virtual host's values join the client's; x-foo repeats. TestXFFParsing: the
     * remote address is the one trusted hop back in x-forwarded-for.
     */
    @Test
    void additionsToAnInlineNameJoinItsEntry() throws Exception {
        Curl c = request("append", "append-same-headers.com", "/test", "user-agent: token3", "x-foo: value3",
                "x-forwarded-for: 1.2.3.4, 5.6.7.8 ,9.10.11.12");
        assertEquals(List.of("user-agent: token3,token2,token1"), seen(c, "user-agent"));
        assertEquals(List.of("x-foo: value3", "x-foo: value2", "x-foo: value1"), seen(c, "x-foo"));
        assertEquals(List.of("x-real-ip: 5.6.7.8"), seen(c, "x-real-ip"));
    }

    /** AllProtocolsPassEmptyHeaders: an empty value is added only with keep_empty_value. */
    @Test
    void emptyValuesNeedKeepEmptyValue() throws Exception {
        Curl c = request("append", "empty-headers.com", "/", "user-agent: client");
        assertEquals(List.of("x-ds-add-empty: "), seen(c, "x-ds-add-empty", "x-ds-no-add-empty"));
        assertEquals(List.of("user-agent: client"), seen(c, "user-agent"));
        assertEquals("", c.header("x-us-add-empty"));
        assertTrue(!c.headers().containsKey("x-us-no-add-empty"));
    }
}
