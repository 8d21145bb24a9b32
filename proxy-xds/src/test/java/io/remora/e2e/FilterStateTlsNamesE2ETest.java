package io.remora.e2e;

import io.remora.testing.TestCerts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Envoy's transport socket options from filter state, against a real HTTPS upstream that records
 * the SNI of each client hello (its certificate: a.example.com, *.wild.example):
 * set_filter_state's {@code envoy.network.upstream_server_name} is the SNI (over the transport
 * socket's {@code sni} and over auto_sni), its {@code envoy.network.upstream_subject_alt_names}
 * the SANs of which the certificate must carry one (over auto_san_validation's), for the router
 * per request, pooled per name, and for tcp_proxy per connection; istio's forward_downstream_sni
 * sends the downstream's SNI upstream; {@code envoy.network.application_protocols} is the ALPN
 * tcp_proxy offers (openssl s_server's trace shows it); a tunneling tcp_proxy's pool sends the
 * connection's name to the listener that terminates its CONNECTs. A SAN none matches is a 503 UF, or a
 * closed connection.
 */
class FilterStateTlsNamesE2ETest {

    static TestUpstream upstream;
    /** Plain HTTP, behind the terminating listener's CONNECT route. */
    static TestUpstream tunneled;
    /** The terminating listener's log of each CONNECT's requested server name. */
    static Path terminateLog;
    /** openssl s_server, whose trace shows the ALPN each client hello offers. */
    static Process sServer;
    static Path trace;
    static ProxyProcess proxy;
    static Path accessLog;
    static Map<String, Integer> ports;

    /** AutoSniE2ETest's TLS cluster (sni configured.example) to the upstream, with these upstream_http_protocol_options. */
    private static String tlsCluster(String name, String caPem, String upstreamOptions) {
        return AutoSniE2ETest.tlsCluster(name, upstreamOptions, caPem, upstream.port());
    }

    /** {@code cluster} (a {@link #tlsCluster}) with this validation_context instead of its trusted CA. */
    private static String withValidation(String cluster, String caPem, String validation) {
        String trusted = "validation_context: { trusted_ca: { inline_string: \"" + caPem.replace("\n", "\\n") + "\" } }";
        if (!cluster.contains(trusted)) {
            throw new IllegalStateException(cluster);
        }
        return cluster.replace(trusted, "validation_context: " + validation);
    }

    /** A set_filter_state value (list item, unindented) making Envoy's object {@code key} of {@code format}. */
    private static String value(String key, String format) {
        return """
                - object_key: %s
                  format_string: { text_format_source: { inline_string: "%s" } }
                  skip_if_empty: true
                """.formatted(key, format);
    }

    /** The network set_filter_state filter setting {@code values} on each new connection. */
    private static String onNewConnection(String values) {
        return Bootstraps.setFilterState("network", "on_new_connection", values);
    }

    @BeforeAll
    static void start() throws Exception {
        TestCerts.Ca ca = TestCerts.ca("fs-tls-names-ca");
        TestCerts.Leaf leaf = ca.issue("upstream", "a.example.com", "*.wild.example");
        upstream = TestUpstream.startTlsEchoingSni(leaf);
        Path certs = io.remora.testing.TempPaths.directory("fs-tls-names");
        leaf.write(certs, "upstream");
        int sServerPort = ProxyProcess.freePort();
        trace = certs.resolve("s_server.trace");
        sServer = new ProcessBuilder("openssl", "s_server", "-accept", "127.0.0.1:" + sServerPort,
                "-cert", certs.resolve("upstream-cert.pem").toString(), "-key", certs.resolve("upstream-key.pem").toString(),
                "-www", "-trace").redirectErrorStream(true).redirectOutput(trace.toFile()).start();
        TestCerts.ca("fs-downstream-ca").issue("server", "fwd.example").write(certs, "server");
        accessLog = io.remora.testing.TempPaths.file("fs-tls-names", ".log");
        String http = Bootstraps.httpListenerWithFilters("http", "",
                Bootstraps.fileAccessLog(accessLog, "%REQ(:PATH)% %RESPONSE_CODE% %RESPONSE_FLAGS%"),
                Bootstraps.setFilterState("http", "on_request_headers",
                        value("envoy.network.upstream_server_name", "%REQ(x-sni)%")
                        + value("envoy.network.upstream_subject_alt_names", "%REQ(x-san)%")),
                Bootstraps.catchAll("""
                        - match: { prefix: /auto }
                          route: { cluster: auto }
                        - match: { prefix: /nosni }
                          route: { cluster: nosni }
                        - match: { prefix: /noverify }
                          route: { cluster: noverify }
                        - match: { prefix: /untrusted }
                          route: { cluster: untrusted }
                        - match: { prefix: / }
                          route: { cluster: plain }
                        """));
        String tcpSni = Bootstraps.tcpListener("tcpsni", "", onNewConnection(
                value("envoy.network.upstream_server_name", "tcp.example")
                + value("envoy.network.upstream_subject_alt_names", "nope.example,x.wild.example")), "tcp_tls", "");
        String tcpBadSan = Bootstraps.tcpListener("tcpbadsan", "", onNewConnection(
                value("envoy.network.upstream_subject_alt_names", "nope.example")), "tcp_bad", "");
        String tcpAlpn = Bootstraps.tcpListener("tcpalpn", "", onNewConnection(
                value("envoy.network.application_protocols", "fs-proto,fs-other")), "s_server", "");
        // tcp_proxy's tunnel pool: TLS to a listener of this proxy that terminates the CONNECT and
        // logs the SNI it was asked for (tls_inspector).
        tunneled = TestUpstream.text("tunneled");
        int terminatePort = ProxyProcess.freePort();
        terminateLog = io.remora.testing.TempPaths.file("fs-tls-names-terminate", ".log");
        String tunneler = Bootstraps.tcpListener("tunneler", "", onNewConnection(
                value("envoy.network.upstream_server_name", "tunnel.example")), "to_terminate",
                "tunneling_config: { hostname: \"tunneled.test:1\" }");
        String terminate = Bootstraps.httpListener("terminate", Bootstraps.downstreamTls(certs, "upstream")
                .replace("    common_tls_context:\n", "    common_tls_context:\n      alpn_protocols: [h2]\n"), """
                codec_type: HTTP2
                upgrade_configs: [{ upgrade_type: CONNECT }]
                http2_protocol_options: { allow_connect: true }
                """ + Bootstraps.fileAccessLog(terminateLog, "%REQUESTED_SERVER_NAME%"), """
                - match: { connect_matcher: {} }
                  route: { cluster: tunneled, upgrade_configs: [{ upgrade_type: CONNECT, connect_config: {} }] }
                """).replace("  filter_chains:\n", "  listener_filters:\n"
                + Bootstraps.indent(Bootstraps.TLS_INSPECTOR, 2) + "\n  filter_chains:\n");
        String forward = Bootstraps.tcpListener("fwd", Bootstraps.TLS_INSPECTOR, """
                - name: forward_downstream_sni
                  typed_config:
                    "@type": type.googleapis.com/udpa.type.v1.TypedStruct
                    type_url: type.googleapis.com/io.istio.tcp.forward_downstream_sni.v1.Config
                """, "tcp_tls", "").replace("  - filters:\n", "  - "
                + Bootstraps.indent(Bootstraps.downstreamTls(certs, "server"), 4).substring(4) + "\n    filters:\n");
        String clusters = String.join("\n", tlsCluster("auto", ca.pem(), "{ auto_sni: true, auto_san_validation: true }"),
                tlsCluster("plain", ca.pem(), "{}"), tlsCluster("tcp_tls", ca.pem(), "{}"),
                tlsCluster("nosni", ca.pem(), "{}").replace("sni: configured.example\n      ", ""),
                withValidation(tlsCluster("noverify", ca.pem(), "{}"), ca.pem(), "{}"),
                withValidation(tlsCluster("untrusted", ca.pem(), "{}"), ca.pem(),
                        "{ trust_chain_verification: ACCEPT_UNTRUSTED }"),
                tlsCluster("tcp_bad", ca.pem(), "{}"), Bootstraps.cluster("s_server", false, """
                          transport_socket:
                            name: envoy.transport_sockets.tls
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                        """, sServerPort),
                Bootstraps.cluster("tunneled", false, null, tunneled.port()),
                AutoSniE2ETest.tlsCluster("to_terminate", "{}", ca.pem(), terminatePort).replace(
                        "{ http_protocol_options: {} }", "{ http2_protocol_options: {} }"));
        int admin = ProxyProcess.freePort();
        ports = Map.of("http", ProxyProcess.freePort(), "tcpsni", ProxyProcess.freePort(),
                "tcpbadsan", ProxyProcess.freePort(), "fwd", ProxyProcess.freePort(), "tcpalpn", ProxyProcess.freePort(),
                "tunneler", ProxyProcess.freePort(), "terminate", terminatePort);
        String listeners = String.join("\n", http, tcpSni, tcpBadSan, tcpAlpn, tunneler, terminate, forward);
        proxy = ProxyProcess.start(Bootstraps.listeners(admin, listeners, clusters, ports), admin,
                List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"),
                "--concurrency", "1"); // one worker: one set of pools to count connections of
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (upstream != null) {
            upstream.close();
        }
        if (tunneled != null) {
            tunneled.close();
        }
        if (sServer != null) {
            sServer.destroy();
        }
    }

    private static Curl get(String path, String... headers) throws Exception {
        return Curl.get(ports.get("http"), path, headers);
    }

    @Test
    void routerSendsTheFilterSetServerNamePooledPerName() throws Exception {
        assertEquals("sni=configured.example", get("/plain/0").text());
        int before = upstream.connections.get();
        Curl named = get("/plain/1", "x-sni: filter.example");
        assertEquals(200, named.status(), named.text());
        assertEquals("sni=filter.example", named.text());
        assertEquals(before + 1, upstream.connections.get(), upstream.serverNames.toString());
        // The same name again takes the connection made for it; another name makes its own.
        assertEquals("sni=filter.example", get("/plain/2", "x-sni: filter.example").text());
        assertEquals(before + 1, upstream.connections.get(), upstream.serverNames.toString());
        assertEquals("sni=other.example", get("/plain/3", "x-sni: other.example").text());
        assertEquals(before + 2, upstream.connections.get(), upstream.serverNames.toString());
        assertEquals("sni=configured.example", get("/plain/4").text());
        assertEquals(before + 2, upstream.connections.get(), upstream.serverNames.toString());
    }

    @Test
    void filterStateWinsOverAutoSniAndAutoSanValidation() throws Exception {
        // auto_sni fills in only what filter state lacks.
        assertEquals("sni=a.example.com", get("/auto/1", "Host: a.example.com").text());
        assertEquals("sni=filter.example", get("/auto/2", "Host: a.example.com", "x-sni: filter.example").text());
        // auto_san_validation would want b.example.com, which the certificate lacks; the filter's
        // SANs replace it, and one of them (by the wildcard) is there.
        Curl sans = get("/auto/3", "Host: b.example.com", "x-san: nope.example,x.wild.example");
        assertEquals(200, sans.status(), sans.text());
        assertEquals("sni=b.example.com", sans.text());
        assertEquals(503, get("/auto/4", "Host: b.example.com").status());
    }

    @Test
    void aFilterSetSanTheCertificateLacksIsAConnectFailure() throws Exception {
        double before = proxy.metric("envoy_cluster_ssl_fail_verify_san{envoy_cluster_name=\"plain\"}");
        Curl refused = get("/plain/mismatch", "x-san: nope.example");
        assertEquals(503, refused.status(), refused.text());
        String line = HttpProxyE2ETest.awaitLogLine(accessLog, "/plain/mismatch");
        assertTrue(line.contains(" 503 UF"), line);
        assertEquals(before + 1, proxy.metric("envoy_cluster_ssl_fail_verify_san{envoy_cluster_name=\"plain\"}"));
        assertEquals(200, get("/plain/ok", "x-san: a.example.com").status());
    }

    @Test
    void tcpProxySendsTheConnectionsServerNameAndChecksItsSans() throws Exception {
        Curl c = Curl.get(ports.get("tcpsni"), "/");
        assertEquals(200, c.status(), c.text());
        assertEquals("sni=tcp.example", c.text());
        assertThrows(IOException.class, () -> Curl.get(ports.get("tcpbadsan"), "/"));
        assertTrue(proxy.metric("envoy_cluster_ssl_fail_verify_san{envoy_cluster_name=\"tcp_bad\"}") >= 1.0);
    }

    @Test
    void tcpProxyOffersTheConnectionsAlpn() throws Exception {
        Curl c = Curl.get(ports.get("tcpalpn"), "/");
        assertEquals(200, c.status(), c.text()); // openssl's -www page
        String hello = java.nio.file.Files.readString(trace);
        int alpn = hello.indexOf("application_layer_protocol_negotiation");
        assertTrue(alpn > 0, hello);
        assertTrue(hello.indexOf("fs-proto", alpn) > 0 && hello.indexOf("fs-other", alpn) > 0, hello);
    }

    @Test
    void tcpProxyTunnelsOverTlsWithTheConnectionsServerName() throws Exception {
        Curl c = Curl.get(ports.get("tunneler"), "/");
        assertEquals(200, c.status(), c.text());
        assertEquals("tunneled", c.text());
        assertEquals(List.of("tunnel.example"), LogFiles.await(terminateLog, 1));
    }

    @Test
    void forwardDownstreamSniSendsTheDownstreamsServerNameUpstream() throws Exception {
        int port = ports.get("fwd");
        Curl c = Curl.run("-k", "--resolve", "fwd.example:" + port + ":127.0.0.1", "https://fwd.example:" + port + "/");
        assertEquals(200, c.status(), c.text());
        assertEquals("sni=fwd.example", c.text());
    }

    @Test
    void onlyFilterSetSansSendNoSni() throws Exception {
        // No sni, no auto_sni, no filter-set server name: Envoy sends no SNI, SANs or not.
        assertEquals("sni=", get("/nosni/0").text());
        Curl c = get("/nosni/1", "x-san: a.example.com");
        assertEquals(200, c.status(), c.text());
        assertEquals("sni=", c.text());
        c = get("/nosni/2", "x-san: nope.example,x.wild.example");
        assertEquals(200, c.status(), c.text());
        assertEquals("sni=", c.text());
        assertEquals(503, get("/nosni/3", "x-san: nope.example").status());
    }

    @Test
    void filterSetSansWithoutATrustedCaRefuseEveryCertificate() throws Exception {
        // The context verifies nothing: a connection without SANs takes any certificate.
        assertEquals(200, get("/noverify/0").status());
        // With SANs Envoy verifies the peer against an empty trust store: even a certificate
        // carrying the name is refused.
        Curl refused = get("/noverify/1", "x-san: a.example.com");
        assertEquals(503, refused.status(), refused.text());
        String line = HttpProxyE2ETest.awaitLogLine(accessLog, "/noverify/1");
        assertTrue(line.contains(" 503 UF"), line);
    }

    @Test
    void acceptUntrustedCountsASanMismatchAndLetsItPass() throws Exception {
        String stat = "envoy_cluster_ssl_fail_verify_san{envoy_cluster_name=\"untrusted\"}";
        double before = proxy.metric(stat);
        Curl c = get("/untrusted/1", "x-san: nope.example");
        assertEquals(200, c.status(), c.text());
        assertEquals(before + 1, proxy.metric(stat));
        assertEquals(200, get("/untrusted/2", "x-san: a.example.com").status());
        assertEquals(before + 1, proxy.metric(stat));
    }
}
