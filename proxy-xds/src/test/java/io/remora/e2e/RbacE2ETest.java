package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * RBAC on real traffic: the HTTP filter answering 403 or passing, its per-route override and
 * disable, x-forwarded-for aware remote_ip, shadow rules; the network filter closing a TCP
 * connection it denies. Stats are read from /stats/prometheus, details from the access log.
 */
class RbacE2ETest {

    static final String HTTP_RBAC = """
            - name: envoy.filters.http.rbac
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC
                rules:
                  action: ALLOW
                  policies:
                    public-get:
                      permissions:
                      - and_rules:
                          rules:
                          - header: { name: ":method", exact_match: GET }
                          - url_path: { path: { prefix: /public } }
                      principals: [{ any: true }]
                    admins:
                      permissions: [{ any: true }]
                      principals: [{ header: { name: x-role, exact_match: admin } }]
                    forwarded-partner:
                      permissions: [{ url_path: { path: { prefix: /partner } } }]
                      principals: [{ remote_ip: { address_prefix: 203.0.113.0, prefix_len: 24 } }]
                shadow_rules_stat_prefix: dry_
                shadow_rules:
                  action: DENY
                  policies:
                    no-posts:
                      permissions: [{ header: { name: ":method", exact_match: POST } }]
                      principals: [{ any: true }]
            """;

    static final String ROUTES = """
            - match: { prefix: /open/tagged, headers: [ { name: x-tag, string_match: { exact: blue } } ] }
              direct_response: { status: 200, body: { inline_string: tagged } }
              typed_per_filter_config:
                envoy.filters.http.rbac:
                  "@type": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBACPerRoute
            - match: { prefix: /open }
              route: { cluster: backend }
              typed_per_filter_config:
                envoy.filters.http.rbac:
                  "@type": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBACPerRoute
            - match: { prefix: /off }
              route: { cluster: backend }
              typed_per_filter_config:
                envoy.filters.http.rbac:
                  "@type": type.googleapis.com/envoy.config.route.v3.FilterConfig
                  disabled: true
            - match: { prefix: /public/strict }
              route: { cluster: backend }
              typed_per_filter_config:
                envoy.filters.http.rbac:
                  "@type": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBACPerRoute
                  rbac:
                    rules:
                      action: DENY
                      policies:
                        strict no-get:
                          permissions: [{ header: { name: ":method", exact_match: GET } }]
                          principals: [{ any: true }]
            - match: { prefix: / }
              route: { cluster: backend }
            """;

    static TestUpstream backend;
    static ProxyProcess proxy;
    static int port;
    static Path accessLog;
    static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        backend = TestUpstream.text("backend");
        int admin = ProxyProcess.freePort();
        port = ProxyProcess.freePort();
        accessLog = TempPaths.file("rbac-access", ".log");
        String yaml = Bootstraps.http(admin, port, accessLog.toString(), ROUTES,
                Bootstraps.cluster("backend", false, null, backend.port()), "", HTTP_RBAC);
        yaml = withLogFormat(yaml, accessLog, "%REQ(:PATH)% %RESPONSE_CODE% %RESPONSE_CODE_DETAILS% %UPSTREAM_CLUSTER%");
        proxy = ProxyProcess.start(yaml, admin, java.util.List.of("-Xmx256m", "-XX:TieredStopAtLevel=1"), "--file-flush-interval-msec", "50");
    }

    /** Gives the file access log at {@code log} a text format (Bootstraps uses Envoy's default). */
    static String withLogFormat(String yaml, Path log, String format) {
        String line = "path: " + log;
        int at = yaml.indexOf(line);
        int lineStart = yaml.lastIndexOf('\n', at) + 1;
        String pad = " ".repeat(at - lineStart);
        return yaml.replace(line, line + "\n" + pad + "log_format: { text_format_source: { inline_string: \""
                + format + "\\n\" } }");
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    static HttpResponse<String> send(String method, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).method(method, HttpRequest.BodyPublishers.noBody());
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String awaitLogLine(String prefix) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            for (String l : Files.readAllLines(accessLog)) {
                if (l.startsWith(prefix)) {
                    return l;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no access log line for " + prefix + " in:\n" + Files.readString(accessLog));
    }

    static double metric(String sample) throws Exception {
        return proxy.metric(sample);
    }

    /** Envoy's RBACIntegrationTest.DeniedHeadReply: a denied HEAD gets the 403's content-length and no body. */
    @Test
    void deniedHeadRequestHasTheLengthButNoBody() throws Exception {
        HttpResponse<String> r = send("HEAD", "/private");
        assertEquals(403, r.statusCode());
        assertEquals(java.util.Optional.of(Integer.toString("RBAC: access denied".length())),
                r.headers().firstValue("content-length"), r.headers().map().toString());
        assertEquals("", r.body());
        // The connection is still usable: no stray body bytes were written after the HEAD reply.
        assertEquals(200, send("GET", "/public/page").statusCode());
    }

    @Test
    void allowedAndDenied() throws Exception {
        double allowed = metric("envoy_http_rbac_allowed{envoy_http_conn_manager_prefix=\"ingress\"}");
        double denied = metric("envoy_http_rbac_denied{envoy_http_conn_manager_prefix=\"ingress\"}");

        HttpResponse<String> ok = send("GET", "/public/page");
        assertEquals(200, ok.statusCode());
        assertEquals("backend", ok.body());

        HttpResponse<String> no = send("GET", "/private");
        assertEquals(403, no.statusCode());
        assertEquals("RBAC: access denied", no.body());
        // The route's cluster is the stream's once the route resolves, as Envoy's: a denied request logs it too.
        assertEquals("/private 403 rbac_access_denied_matched_policy[none] backend", awaitLogLine("/private "));

        assertEquals(200, send("DELETE", "/private", "x-role", "admin").statusCode());
        assertEquals(403, send("POST", "/public/page").statusCode());

        assertEquals(allowed + 2, metric("envoy_http_rbac_allowed{envoy_http_conn_manager_prefix=\"ingress\"}"));
        assertEquals(denied + 2, metric("envoy_http_rbac_denied{envoy_http_conn_manager_prefix=\"ingress\"}"));
    }

    /**
     * A header sent twice is matched value by value, by RBAC (Envoy 1.37.1's
     * rbac_match_headers_individually) and by route matching (1.39's match_headers_individually):
     * not as "user,admin" nor "red,blue".
     */
    @Test
    void repeatedHeaderIsMatchedValueByValue() throws Exception {
        assertEquals(200, Curl.get(port, "/secret", "x-role: user", "x-role: admin").status());
        assertEquals(403, Curl.get(port, "/secret", "x-role: user,admin").status());
        assertEquals("tagged", Curl.get(port, "/open/tagged", "x-tag: red", "x-tag: blue").text());
        assertEquals("backend", Curl.get(port, "/open/tagged", "x-tag: red,blue").text());
    }

    @Test
    void shadowRulesCountButDoNotDeny() throws Exception {
        String shadowDenied = "envoy_http_rbac_dry_shadow_denied{envoy_http_conn_manager_prefix=\"ingress\"}";
        String shadowAllowed = "envoy_http_rbac_dry_shadow_allowed{envoy_http_conn_manager_prefix=\"ingress\"}";
        double sd = metric(shadowDenied);
        double sa = metric(shadowAllowed);
        // The shadow DENY policy matches the POST, but only the enforced rules decide.
        assertEquals(200, send("POST", "/anything", "x-role", "admin").statusCode());
        assertEquals(200, send("GET", "/public/x").statusCode());
        assertEquals(sd + 1, metric(shadowDenied));
        assertEquals(sa + 1, metric(shadowAllowed));
    }

    @Test
    void perRouteOverrideAndDisable() throws Exception {
        // RBACPerRoute without rbac: RBAC is off on that route.
        assertEquals(200, send("PUT", "/open/thing").statusCode());
        // FilterConfig disabled: the filter does not run there.
        assertEquals(200, send("PUT", "/off/thing").statusCode());
        // A route's own rules replace the filter's: GET /public/... is allowed globally, denied here.
        HttpResponse<String> r = send("GET", "/public/strict/x");
        assertEquals(403, r.statusCode());
        assertEquals("/public/strict/x 403 rbac_access_denied_matched_policy[strict_no-get] backend",
                awaitLogLine("/public/strict/x "));
        assertEquals(200, send("POST", "/public/strict/x").statusCode());
    }

    @Test
    void remoteIpFollowsForwardedFor() throws Exception {
        // use_remote_address is false: the client x-forwarded-for names is the remote address.
        assertEquals(403, send("GET", "/partner/api").statusCode());
        assertEquals(200, send("GET", "/partner/api", "x-forwarded-for", "203.0.113.77").statusCode());
        assertEquals(403, send("GET", "/partner/api", "x-forwarded-for", "203.0.113.77, 198.51.100.1").statusCode());
    }

    @Test
    void prometheusExpositionStaysValid() throws Exception {
        send("GET", "/public/p");
        String text = proxy.admin("/stats/prometheus");
        assertTrue(text.contains("envoy_http_rbac_allowed{envoy_http_conn_manager_prefix=\"ingress\"}"), text);
    }

    /** The network filter: a denied connection is closed before a byte reaches the upstream. */
    @Test
    void networkRbacClosesDeniedConnections() throws Exception {
        try (ServerSocket echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            TcpEcho.serve(echo);
            int admin = ProxyProcess.freePort();
            int allowPort = ProxyProcess.freePort();
            int denyPort = ProxyProcess.freePort();
            String yaml = """
                    admin:
                      address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                    static_resources:
                      listeners:
                      - name: allow
                        address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                        filter_chains:
                        - filters:
                          - name: envoy.filters.network.rbac
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC
                              stat_prefix: allow_tcp.
                              rules:
                                policies:
                                  loopback:
                                    permissions: [{ destination_port: %d }]
                                    principals: [{ direct_remote_ip: { address_prefix: 127.0.0.0, prefix_len: 8 } }]
                          - name: envoy.filters.network.tcp_proxy
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                              stat_prefix: allow
                              cluster: echo
                      - name: deny
                        address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                        filter_chains:
                        - filters:
                          - name: envoy.filters.network.rbac
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC
                              stat_prefix: deny_tcp.
                              shadow_rules_stat_prefix: dry_
                              shadow_rules: { action: DENY }
                              rules:
                                action: DENY
                                policies:
                                  no-loopback:
                                    permissions: [{ any: true }]
                                    principals: [{ source_ip: { address_prefix: 127.0.0.1, prefix_len: 32 } }]
                          - name: envoy.filters.network.tcp_proxy
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                              stat_prefix: deny
                              cluster: echo
                      clusters:
                    %s
                    """.formatted(admin, allowPort, allowPort, denyPort,
                    Bootstraps.indent(Bootstraps.cluster("echo", false, null, echo.getLocalPort()), 2));
            try (ProxyProcess p = ProxyProcess.start(yaml, admin)) {
                try (Socket s = new Socket("127.0.0.1", allowPort)) {
                    s.setSoTimeout(10_000);
                    s.getOutputStream().write("hello".getBytes());
                    byte[] back = s.getInputStream().readNBytes(5);
                    assertEquals("hello", new String(back));
                }
                try (Socket s = new Socket("127.0.0.1", denyPort)) {
                    s.setSoTimeout(10_000);
                    s.getOutputStream().write("hello".getBytes());
                    // Closed by the proxy: end of stream (or a reset), never the echo.
                    int n;
                    try {
                        n = s.getInputStream().read();
                    } catch (java.net.SocketException reset) {
                        n = -1;
                    }
                    assertEquals(-1, n);
                }
                assertEquals(1.0, p.metric("envoy_rbac_allowed{envoy_rbac_prefix=\"allow_tcp\"}"));
                assertEquals(0.0, p.metric("envoy_rbac_denied{envoy_rbac_prefix=\"allow_tcp\"}"));
                assertEquals(1.0, p.metric("envoy_rbac_denied{envoy_rbac_prefix=\"deny_tcp\"}"));
                // Shadow DENY with no policies allows.
                assertEquals(1.0, p.metric("envoy_rbac_dry_shadow_allowed{envoy_rbac_prefix=\"deny_tcp\"}"));
                assertEquals(0.0, p.metric("envoy_tcp_upstream_cx_total{envoy_tcp_prefix=\"deny\"}"));
            }
        }
    }

    /**
     * delay_deny, as Envoy's network filter: a denied connection stops being read and is closed
     * only when the delay has passed, nothing of it reaching the upstream.
     */
    @Test
    void networkDelayDenyClosesOnlyAfterTheDelay() throws Exception {
        try (ServerSocket echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            TcpEcho.serve(echo);
            int admin = ProxyProcess.freePort();
            java.util.Map<String, Integer> ports = new java.util.HashMap<>();
            ports.put("delayed", ProxyProcess.freePort());
            String rbac = """
                    - name: envoy.filters.network.rbac
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC
                        stat_prefix: delayed_tcp.
                        delay_deny: 2s
                        rules: {}
                    """;
            String yaml = Bootstraps.listeners(admin, Bootstraps.tcpListener("delayed", "", rbac, "echo", ""),
                    Bootstraps.cluster("echo", false, null, echo.getLocalPort()), ports);
            try (ProxyProcess p = ProxyProcess.start(yaml, admin); Socket s = new Socket("127.0.0.1", ports.get("delayed"))) {
                s.setSoTimeout(20_000);
                long start = System.nanoTime();
                s.getOutputStream().write("hello".getBytes());
                int n;
                try {
                    n = s.getInputStream().read();
                } catch (java.net.SocketException reset) {
                    n = -1;
                }
                long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertEquals(-1, n, "closed, never echoed");
                assertTrue(waited >= 1_900, "closed after " + waited + " ms, before delay_deny's 2 s");
                assertEquals(1.0, p.metric("envoy_rbac_denied{envoy_rbac_prefix=\"delayed_tcp\"}"));
                assertEquals(0.0, p.metric("envoy_cluster_upstream_cx_tx_bytes_total{envoy_cluster_name=\"echo\"}"));
            }
        }
    }

    /**
     * The network filter's shadow results and termination details in the connection's dynamic
     * metadata, as Envoy's setDynamicMetadata on the connection's stream info: tcp_proxy's access
     * log reads them, for a connection the rules allow and for one they refuse.
     */
    @Test
    void networkShadowResultsReachTheConnectionsAccessLog() throws Exception {
        try (ServerSocket echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            TcpEcho.serve(echo);
            int admin = ProxyProcess.freePort();
            Path log = TempPaths.file("rbac-tcp-access", ".log");
            java.util.Map<String, Integer> ports = new java.util.HashMap<>();
            ports.put("passes", ProxyProcess.freePort());
            ports.put("refused", ProxyProcess.freePort());
            String rbac = """
                    - name: envoy.filters.network.rbac
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC
                        stat_prefix: NAME_tcp.
                        shadow_rules_stat_prefix: dry_
                        shadow_rules:
                          action: DENY
                          policies:
                            shadow-loopback:
                              permissions: [{ any: true }]
                              principals: [{ source_ip: { address_prefix: 127.0.0.1, prefix_len: 32 } }]
                        RULES
                    """;
            String accessLog = """
                    access_log:
                    - name: envoy.access_loggers.file
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                        path: %s
                        log_format: { text_format_source: { inline_string: "%%DOWNSTREAM_LOCAL_PORT%% %%DYNAMIC_METADATA(envoy.filters.network.rbac:dry_shadow_engine_result)%% %%DYNAMIC_METADATA(envoy.filters.network.rbac:dry_shadow_effective_policy_id)%% %%CONNECTION_TERMINATION_DETAILS%%\\n" } }
                    """.formatted(log);
            String allowAll = "rules: { policies: { all: { permissions: [{ any: true }], principals: [{ any: true }] } } }";
            String listeners = Bootstraps.tcpListener("passes", "", rbac.replace("NAME", "passes").replace("RULES", allowAll),
                    "echo", accessLog)
                    + Bootstraps.tcpListener("refused", "", rbac.replace("NAME", "refused").replace("RULES", "rules: {}"),
                    "echo", accessLog);
            String yaml = Bootstraps.listeners(admin, listeners, Bootstraps.cluster("echo", false, null, echo.getLocalPort()),
                    ports);
            try (ProxyProcess p = ProxyProcess.start(yaml, admin, java.util.List.of(), "--file-flush-interval-msec", "50")) {
                try (Socket s = new Socket("127.0.0.1", ports.get("passes"))) {
                    s.setSoTimeout(10_000);
                    s.getOutputStream().write("hello".getBytes());
                    assertEquals("hello", new String(s.getInputStream().readNBytes(5)));
                }
                try (Socket s = new Socket("127.0.0.1", ports.get("refused"))) {
                    s.setSoTimeout(10_000);
                    s.getOutputStream().write("hello".getBytes());
                    try {
                        assertEquals(-1, s.getInputStream().read());
                    } catch (java.net.SocketException reset) {
                        // closed by the proxy either way
                    }
                }
                assertEquals(ports.get("passes") + " denied shadow-loopback -",
                        awaitLine(log, ports.get("passes") + " "));
                assertEquals(ports.get("refused") + " denied shadow-loopback rbac_access_denied_matched_policy[none]",
                        awaitLine(log, ports.get("refused") + " "));
            }
        }
    }

    private static String awaitLine(Path log, String prefix) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            for (String l : Files.readAllLines(log)) {
                if (l.startsWith(prefix)) {
                    return l;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no access log line for " + prefix + " in:\n" + Files.readString(log));
    }
}
