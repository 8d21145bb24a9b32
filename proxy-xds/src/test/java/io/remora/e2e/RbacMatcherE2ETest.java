package io.remora.e2e;

import io.remora.testing.TestCerts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
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

/**
 * The RBAC filters' {@code matcher} / {@code shadow_matcher} on real traffic: an HTTP filter whose
 * matcher list decides by request header (LOG) and the peer's SPIFFE URI SAN (ALLOW), denying
 * everyone else through {@code on_no_match}; its shadow matcher counted and left in dynamic
 * metadata; a plaintext listener where a certificate input can never match; and the network
 * filter denying a connection by the peer's DNS SAN. Observed as a client sees it, in the access
 * log and in /stats/prometheus.
 */
class RbacMatcherE2ETest {

    static final String ACTION = "type.googleapis.com/envoy.config.rbac.v3.Action";
    static final String URI_SAN = "{ name: san, typed_config: { \"@type\": type.googleapis.com/"
            + "envoy.extensions.matching.common_inputs.ssl.v3.UriSanInput } }";

    @TempDir
    Path dir;

    static String action(String name, String action) {
        return "{ action: { name: a, typed_config: { \"@type\": " + ACTION + ", name: " + name + ", action: " + action
                + " } } }";
    }

    static String hcm(String prefix, String rbac) {
        return """
                - filters:
                  - name: envoy.filters.network.http_connection_manager
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                      stat_prefix: %s
                      access_log:
                      - name: envoy.access_loggers.file
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                          path: %%LOG%%
                          log_format: { text_format_source: { inline_string: "%%REQ(:PATH)%% %%RESPONSE_CODE%% %%RESPONSE_CODE_DETAILS%% %%DYNAMIC_METADATA(envoy.filters.http.rbac:dry_shadow_effective_policy_id)%% %%DYNAMIC_METADATA(envoy.common:access_log_hint)%%\\n" } }
                      route_config:
                        virtual_hosts:
                        - name: app
                          domains: ["*"]
                          routes: [{ match: { prefix: / }, route: { cluster: app } }]
                      http_filters:
                      - name: envoy.filters.http.rbac
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC
                %s
                      - name: envoy.filters.http.router
                        typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                """.formatted(prefix, rbac.indent(10).stripTrailing());
    }

    @Test
    void matcherDecidesOnRealTraffic() throws Exception {
        TestCerts.Ca ca = TestCerts.ca("mesh-ca");
        ca.issue("server", "spiffe://cluster.local/ns/default/sa/server", "127.0.0.1").write(dir, "server");
        TestCerts.Leaf sleep = ca.issue("sleep", RbacMtlsE2ETest.SLEEP);
        TestCerts.Leaf other = ca.issue("other", RbacMtlsE2ETest.OTHER, "other.default.svc");
        Path log = Files.createTempFile(dir, "access", ".log");
        String httpRbac = """
                matcher:
                  matcher_list:
                    matchers:
                    - predicate:
                        single_predicate:
                          input: { name: h, typed_config: { "@type": type.googleapis.com/envoy.type.matcher.v3.HttpRequestHeaderMatchInput, header_name: x-audit } }
                          value_match: { exact: "yes" }
                      on_match: %s
                    - predicate:
                        single_predicate:
                          input: %s
                          value_match: { exact: "%s" }
                      on_match: %s
                  on_no_match: %s
                shadow_rules_stat_prefix: dry_
                shadow_matcher:
                  matcher_tree:
                    input: %s
                    exact_match_map:
                      map:
                        "%s": %s
                """.formatted(action("audit-log", "LOG"), URI_SAN, RbacMtlsE2ETest.SLEEP, action("allow-sleep", "ALLOW"),
                action("default-deny", "DENY"), URI_SAN, RbacMtlsE2ETest.SLEEP, action("shadow-no-sleep", "DENY"));
        // Plaintext: the certificate input is not available, so nothing is reached, not even on_no_match.
        String plainRbac = """
                matcher:
                  matcher_list:
                    matchers:
                    - predicate: { single_predicate: { input: %s, value_match: { prefix: "spiffe://" } } }
                      on_match: %s
                  on_no_match: %s
                """.formatted(URI_SAN, action("mesh", "ALLOW"), action("open", "ALLOW"));
        try (TestUpstream backend = TestUpstream.text("app");
             ServerSocket echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                while (!echo.isClosed()) {
                    try (Socket s = echo.accept()) {
                        InputStream in = s.getInputStream();
                        OutputStream out = s.getOutputStream();
                        byte[] buf = new byte[1024];
                        for (int n; (n = in.read(buf)) > 0; ) {
                            out.write(buf, 0, n);
                        }
                    } catch (Exception e) {
                        // next connection
                    }
                }
            });
            t.setDaemon(true);
            t.start();
            int admin = ProxyProcess.freePort();
            int httpsPort = ProxyProcess.freePort();
            int plainPort = ProxyProcess.freePort();
            int tcpPort = ProxyProcess.freePort();
            String tls = RbacMtlsE2ETest.tls(dir).indent(6).stripTrailing();
            String yaml = """
                    admin:
                      address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                    static_resources:
                      listeners:
                      - name: https
                        address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                        filter_chains:
                    %s
                    %s
                      - name: plain
                        address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                        filter_chains:
                    %s
                      - name: tls-tcp
                        address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                        filter_chains:
                        - filters:
                          - name: envoy.filters.network.rbac
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC
                              stat_prefix: mtls_tcp.
                              matcher:
                                matcher_tree:
                                  input: { name: dns, typed_config: { "@type": type.googleapis.com/envoy.extensions.matching.common_inputs.ssl.v3.DnsSanInput } }
                                  exact_match_map: { map: { "other.default.svc": %s } }
                                on_no_match: %s
                          - name: envoy.filters.network.tcp_proxy
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                              stat_prefix: mtls_tcp
                              cluster: echo
                              access_log:
                              - name: envoy.access_loggers.file
                                typed_config:
                                  "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                                  path: %%LOG%%
                                  log_format: { text_format_source: { inline_string: "tcp %%DOWNSTREAM_PEER_URI_SAN%% %%CONNECTION_TERMINATION_DETAILS%%\\n" } }
                    %s
                      clusters:
                    %s
                    %s
                    """.formatted(admin, httpsPort, hcm("inbound", httpRbac).indent(4).stripTrailing(), tls,
                    plainPort, hcm("plain", plainRbac).indent(4).stripTrailing(), tcpPort,
                    action("no-other", "DENY"), action("rest", "ALLOW"), tls,
                    Bootstraps.indent(Bootstraps.cluster("app", false, null, backend.port()), 2),
                    Bootstraps.indent(Bootstraps.cluster("echo", false, null, echo.getLocalPort()), 2))
                    .replace("%LOG%", log.toString());
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin,
                    java.util.List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"),
                    "--file-flush-interval-msec", "50")) {
                HttpClient sleepClient = HttpClient.newBuilder().sslContext(RbacMtlsE2ETest.client(sleep, ca))
                        .connectTimeout(Duration.ofSeconds(5)).build();
                HttpClient otherClient = HttpClient.newBuilder().sslContext(RbacMtlsE2ETest.client(other, ca))
                        .connectTimeout(Duration.ofSeconds(5)).build();
                String https = "https://127.0.0.1:" + httpsPort;

                HttpResponse<String> ok = get(sleepClient, https + "/sleep");
                assertEquals(200, ok.statusCode());
                assertEquals("app", ok.body());
                HttpResponse<String> no = get(otherClient, https + "/other");
                assertEquals(403, no.statusCode());
                assertEquals("RBAC: access denied", no.body());
                assertEquals(200, get(otherClient, https + "/audited", "x-audit", "yes").statusCode());

                // The shadow matcher hit sleep's SAN (DENY) and reached nothing for other: both count as denied.
                assertEquals("/sleep 200 via_upstream shadow-no-sleep false", awaitLine(log, "/sleep "));
                assertEquals("/other 403 rbac_access_denied_matched_policy[default-deny] - false", awaitLine(log, "/other "));
                assertEquals("/audited 200 via_upstream - true", awaitLine(log, "/audited "));
                String p = "{envoy_http_conn_manager_prefix=\"inbound\"}";
                assertEquals(2.0, proxy.metric("envoy_http_rbac_allowed" + p));
                assertEquals(1.0, proxy.metric("envoy_http_rbac_denied" + p));
                assertEquals(3.0, proxy.metric("envoy_http_rbac_dry_shadow_denied" + p));
                assertEquals(0.0, proxy.metric("envoy_http_rbac_dry_shadow_allowed" + p));

                HttpResponse<String> plain = get(HttpClient.newHttpClient(), "http://127.0.0.1:" + plainPort + "/plain");
                assertEquals(403, plain.statusCode());
                assertEquals("/plain 403 rbac_access_denied_matched_policy[none] - -", awaitLine(log, "/plain "));

                // Network filter: other's DNS SAN hits DENY; sleep's certificate has none and takes on_no_match.
                assertEquals("hi", RbacMtlsE2ETest.echoOnce(RbacMtlsE2ETest.client(sleep, ca), tcpPort));
                assertEquals(null, RbacMtlsE2ETest.echoOnce(RbacMtlsE2ETest.client(other, ca), tcpPort));
                assertEquals(1.0, proxy.metric("envoy_rbac_denied{envoy_rbac_prefix=\"mtls_tcp\"}"));
                assertEquals(1.0, proxy.metric("envoy_rbac_allowed{envoy_rbac_prefix=\"mtls_tcp\"}"));
                assertEquals("tcp " + RbacMtlsE2ETest.OTHER + " rbac_access_denied_matched_policy[no-other]",
                        awaitLine(log, "tcp " + RbacMtlsE2ETest.OTHER));
                assertEquals("tcp " + RbacMtlsE2ETest.SLEEP + " -", awaitLine(log, "tcp " + RbacMtlsE2ETest.SLEEP));
            }
        }
    }

    /**
     * A CEL matcher over HttpAttributesCelMatchInput (Envoy's cel_matcher input matcher): the
     * expression, over the request's attributes, decides; an expression that fails to evaluate
     * (no such header) does not match.
     */
    @Test
    void celMatcherDecidesOnRealTraffic() throws Exception {
        Path log = Files.createTempFile(dir, "access", ".log");
        String celRbac = """
                matcher:
                  matcher_list:
                    matchers:
                    - predicate:
                        single_predicate:
                          input: { name: cel, typed_config: { "@type": type.googleapis.com/xds.type.matcher.v3.HttpAttributesCelMatchInput } }
                          custom_match:
                            name: cel
                            typed_config:
                              "@type": type.googleapis.com/xds.type.matcher.v3.CelMatcher
                              expr_match:
                                parsed_expr:
                                  expr:
                                    call_expr:
                                      function: _&&_
                                      args:
                                      - call_expr:
                                          function: _==_
                                          args:
                                          - call_expr: { function: "_[_]", args: [{ select_expr: { operand: { ident_expr: { name: request } }, field: headers } }, { const_expr: { string_value: x-user } }] }
                                          - const_expr: { string_value: alice }
                                      - call_expr:
                                          function: startsWith
                                          target: { select_expr: { operand: { ident_expr: { name: request } }, field: path } }
                                          args: [{ const_expr: { string_value: /api } }]
                      on_match: %s
                  on_no_match: %s
                """.formatted(action("alice-api", "ALLOW"), action("default-deny", "DENY"));
        try (TestUpstream backend = TestUpstream.text("app")) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String yaml = """
                    admin:
                      address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                    static_resources:
                      listeners:
                      - name: cel
                        address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                        filter_chains:
                    %s
                      clusters:
                    %s
                    """.formatted(admin, port, hcm("cel", celRbac).indent(4).stripTrailing(),
                    Bootstraps.indent(Bootstraps.cluster("app", false, null, backend.port()), 2))
                    .replace("%LOG%", log.toString());
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin,
                    java.util.List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"),
                    "--file-flush-interval-msec", "50")) {
                HttpClient c = HttpClient.newHttpClient();
                String base = "http://127.0.0.1:" + port;
                assertEquals(200, get(c, base + "/api/items", "x-user", "alice").statusCode());
                assertEquals(403, get(c, base + "/admin", "x-user", "alice").statusCode());
                assertEquals(403, get(c, base + "/api/bob", "x-user", "bob").statusCode());
                assertEquals(403, get(c, base + "/api/nobody").statusCode());
                assertEquals("/api/items 200 via_upstream - -", awaitLine(log, "/api/items "));
                assertEquals("/api/bob 403 rbac_access_denied_matched_policy[default-deny] - -", awaitLine(log, "/api/bob "));
                assertEquals(1.0, proxy.metric("envoy_http_rbac_allowed{envoy_http_conn_manager_prefix=\"cel\"}"));
                assertEquals(3.0, proxy.metric("envoy_http_rbac_denied{envoy_http_conn_manager_prefix=\"cel\"}"));
            }
        }
    }

    static HttpResponse<String> get(HttpClient c, String uri, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(10));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return c.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String awaitLine(Path log, String prefix) throws Exception {
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
