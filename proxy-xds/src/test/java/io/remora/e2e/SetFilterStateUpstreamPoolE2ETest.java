package io.remora.e2e;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * The HTTP set_filter_state's {@code shared_with_upstream} on pooled HTTP upstream connections, as
 * Envoy's: the hashable objects a request shares key the connection pools, so requests with other
 * values get other connections, and each connection carries the objects of the request that made its
 * pool to the internal listener it lands on (ONCE ones stop there, TRANSITIVE ones go on); objects
 * that cannot hash ({@code envoy.string}) key nothing and ride on the connection made for another
 * request. front (HCM: set_filter_state from request headers, router) -> mid (internal, HCM, router)
 * -> end (internal, HCM, direct response); each logs its connection's id and what it sees.
 */
class SetFilterStateUpstreamPoolE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static ProxyProcess proxy;
    static int http;
    static int tcp;
    static Path frontLog;
    static Path tunnelLog;
    static Path midLog;
    static Path endLog;

    private static final String SEEN = "conn=%CONNECTION_ID% tenant=%FILTER_STATE(test.tenant:PLAIN)%"
            + " carried=%FILTER_STATE(test.carried:PLAIN)% plain=%FILTER_STATE(test.plain:PLAIN)%";

    /**
     * An internal listener {@code name} (list item for {@link Bootstraps#listeners}): an HTTP
     * connection manager with these fields, logging {@link #SEEN} to {@code log}, and these virtual hosts.
     */
    private static String internalHttp(String name, Path log, String hcmFields, String virtualHosts) {
        return Bootstraps.httpListenerWithHosts(name, "", hcmFields + Bootstraps.fileAccessLog(log, SEEN), virtualHosts)
                .replace("  address: { socket_address: { address: 127.0.0.1, port_value: ${" + name + "} } }",
                        "  internal_listener: {}");
    }

    /** One virtual host for every domain, sending everything to {@code action} (a route's action field). */
    private static String all(String action) {
        return "- name: all\n  domains: [\"*\"]\n  routes:\n  - match: { prefix: / }\n    " + action;
    }

    /** A set_filter_state value (list item, unindented). */
    private static String value(String key, String factory, String format, String sharing) {
        return """
                - object_key: test.%1$s
                  factory_key: %2$s
                  format_string: { text_format_source: { inline_string: "%3$s" } }
                  shared_with_upstream: %4$s
                """.formatted(key, factory, format, sharing);
    }

    @BeforeAll
    static void start() throws Exception {
        http = ProxyProcess.freePort();
        tcp = ProxyProcess.freePort();
        frontLog = io.remora.testing.TempPaths.file("sfsup-front", ".log");
        midLog = io.remora.testing.TempPaths.file("sfsup-mid", ".log");
        endLog = io.remora.testing.TempPaths.file("sfsup-end", ".log");
        tunnelLog = io.remora.testing.TempPaths.file("sfsup-tunnel", ".log");
        String front = Bootstraps.httpListenerWithFilters("front", "",
                Bootstraps.fileAccessLog(frontLog, "conn=%CONNECTION_ID% up=%UPSTREAM_CONNECTION_ID% tenant=%REQ(x-tenant)%"),
                Bootstraps.setFilterState("http", "on_request_headers",
                        value("tenant", "envoy.hashable_string", "%REQ(x-tenant)%", "ONCE")
                        + value("carried", "envoy.hashable_string", "carried-%REQ(x-tenant)%", "TRANSITIVE")
                        + value("plain", "envoy.string", "%REQ(x-plain)%", "ONCE")),
                all("route: { cluster: to_mid }"));
        String tunneler = Bootstraps.tcpListener("tunneler", "",
                Bootstraps.setFilterState("network", "on_new_connection",
                        value("tenant", "envoy.hashable_string", "%DOWNSTREAM_REMOTE_PORT%", "ONCE")), "to_tunnel",
                "tunneling_config: { hostname: \"admin.test:1\" }");
        String tunnel = internalHttp("tunnel", tunnelLog, """
                codec_type: HTTP2
                upgrade_configs: [{ upgrade_type: CONNECT }]
                http2_protocol_options: { allow_connect: true }
                """, """
                - name: all
                  domains: ["*"]
                  routes:
                  - match: { connect_matcher: {} }
                    route: { cluster: admin, upgrade_configs: [{ upgrade_type: CONNECT, connect_config: {} }] }
                """);
        String listeners = String.join("\n", front,
                internalHttp("mid", midLog, "", all("route: { cluster: to_end }")),
                internalHttp("end", endLog, "", all("direct_response: { status: 200, body: { inline_string: end } }")),
                tunneler, tunnel);
        String clusters = String.join("\n", Bootstraps.internalCluster("to_mid", "mid").stripTrailing().stripIndent(),
                Bootstraps.internalCluster("to_end", "end").stripTrailing().stripIndent(),
                Bootstraps.internalCluster("to_tunnel", "tunnel").stripTrailing().stripIndent().replace("connect_timeout: 1s\n", """
                        connect_timeout: 1s
                          typed_extension_protocol_options:
                            envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                              "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                              explicit_http_config: { http2_protocol_options: {} }
                        """),
                Bootstraps.cluster("admin", false, null, stack.adminPort));
        proxy = stack.start(Bootstraps.INTERNAL_LISTENER_EXTENSION
                + Bootstraps.listeners(stack.adminPort, listeners, clusters, java.util.Map.of("front", http, "tunneler", tcp)));
    }

    /** One curl run: the requests, in order, on one downstream connection (curl's --next reuses it). */
    private static void requests(List<List<String>> headers) throws Exception {
        List<String> args = new ArrayList<>();
        for (List<String> h : headers) {
            if (!args.isEmpty()) {
                args.add("--next");
            }
            for (String s : h) {
                args.add("-H");
                args.add(s);
            }
            args.add("http://127.0.0.1:" + http + "/");
        }
        Curl r = Curl.run(args.toArray(String[]::new));
        assertEquals(200, r.status(), proxy.log());
    }

    /** The {@code name=} field of a log line. */
    private static String field(String line, String name) {
        for (String f : line.split(" ")) {
            if (f.startsWith(name + "=")) {
                return f.substring(name.length() + 1);
            }
        }
        throw new AssertionError(name + " not in " + line);
    }

    /** The log's last {@code n} lines once it has {@code total}. */
    private static List<String> last(Path log, int total, int n) throws Exception {
        List<String> lines = LogFiles.await(log, total);
        return lines.subList(lines.size() - n, lines.size());
    }

    @Test
    void requestsWithOtherHashableValuesGetOtherConnectionsEachCarryingItsOwn() throws Exception {
        int frontBefore = LogFiles.await(frontLog, 0).size();
        int midBefore = LogFiles.await(midLog, 0).size();
        int endBefore = LogFiles.await(endLog, 0).size();
        requests(List.of(List.of("x-tenant: a"), List.of("x-tenant: b"), List.of("x-tenant: a")));
        List<String> front = last(frontLog, frontBefore + 3, 3);
        List<String> mid = last(midLog, midBefore + 3, 3);
        List<String> end = last(endLog, endBefore + 3, 3);
        String all = "\nfront " + front + "\nmid " + mid + "\nend " + end + "\n" + proxy.log();
        // One downstream connection; a and b each their own upstream connection, the second a reuses a's.
        assertEquals(field(front.get(0), "conn"), field(front.get(1), "conn"), all);
        assertEquals(field(front.get(0), "conn"), field(front.get(2), "conn"), all);
        assertNotEquals(field(front.get(0), "up"), field(front.get(1), "up"), all);
        assertEquals(field(front.get(0), "up"), field(front.get(2), "up"), all);
        assertNotEquals(field(mid.get(0), "conn"), field(mid.get(1), "conn"), all);
        assertEquals(field(mid.get(0), "conn"), field(mid.get(2), "conn"), all);
        // mid's connections carry their request's objects; ONCE ones stop there, TRANSITIVE ones key
        // mid's own pools and reach end.
        String[] tenants = {"a", "b", "a"};
        for (int i = 0; i < 3; i++) {
            assertEquals(tenants[i], field(mid.get(i), "tenant"), all);
            assertEquals("carried-" + tenants[i], field(mid.get(i), "carried"), all);
        }
        assertEquals("-", field(end.get(0), "tenant"), all);
        assertEquals("carried-a", field(end.get(0), "carried"), all);
        assertEquals("carried-b", field(end.get(1), "carried"), all);
        assertEquals("carried-a", field(end.get(2), "carried"), all);
        assertNotEquals(field(end.get(0), "conn"), field(end.get(1), "conn"), all);
        assertEquals(field(end.get(0), "conn"), field(end.get(2), "conn"), all);
    }

    @Test
    void anObjectThatCannotHashKeysNothingAndRidesOnTheConnectionMadeForAnother() throws Exception {
        int before = LogFiles.await(midLog, 0).size();
        requests(List.of(List.of("x-tenant: c", "x-plain: p1"), List.of("x-tenant: c", "x-plain: p2")));
        List<String> mid = last(midLog, before + 2, 2);
        String all = "\nmid " + mid + "\n" + proxy.log();
        // As Envoy's: envoy.string is no Hashable, so p2's request reuses the connection p1's made, which carries p1.
        assertEquals(field(mid.get(0), "conn"), field(mid.get(1), "conn"), all);
        assertEquals("p1", field(mid.get(0), "plain"), all);
        assertEquals("p1", field(mid.get(1), "plain"), all);
    }

    /** tcp_proxy's tunneling pools are keyed and carry the objects as the router's are. */
    @Test
    void tunnelingPoolsAreKeyedByTheConnectionsHashableObjects() throws Exception {
        int before = LogFiles.await(tunnelLog, 0).size();
        int[] ports = {session(), session()};
        List<String> tunnel = last(tunnelLog, before + 2, 2);
        String all = "\ntunnel " + tunnel + "\n" + proxy.log();
        // Each session's own port reaches the tunnel's listener, on a connection of its own (HTTP/2:
        // without the key the second CONNECT would reuse the first's connection).
        assertEquals(new java.util.TreeSet<>(List.of(String.valueOf(ports[0]), String.valueOf(ports[1]))),
                new java.util.TreeSet<>(List.of(field(tunnel.get(0), "tenant"), field(tunnel.get(1), "tenant"))), all);
        assertNotEquals(field(tunnel.get(0), "conn"), field(tunnel.get(1), "conn"), all);
    }

    /** One tcp_proxy session through the tunnel to the admin's /ready; returns the client's port. */
    private static int session() throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", tcp)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET /ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String answer = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
            assertEquals("LIVE", answer.substring(answer.indexOf("\r\n\r\n") + 4).strip(), answer + proxy.log());
            return s.getLocalPort();
        }
    }
}
