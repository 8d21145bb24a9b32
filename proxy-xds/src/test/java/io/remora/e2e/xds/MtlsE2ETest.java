package io.remora.e2e.xds;

import io.remora.e2e.TestUpstream;
import io.remora.testing.TestCerts;
import io.remora.tls.TlsProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two Remora sidecars with mTLS between them, as Istio wires a mesh: the client sidecar
 * originates TLS (HTTP/1.1, HTTP/2, TCP) with its SPIFFE certificate and checks the server's
 * SAN; the server sidecar requires a client certificate from the mesh CA with a SPIFFE SAN it
 * accepts. Real peers (curl, openssl s_client) show that a missing client certificate, a wrong
 * SAN, an unknown CA and an expired certificate are each refused with Envoy's stat and
 * transport failure reason. Run on BoringSSL and on the JDK provider.
 */
class MtlsE2ETest {
    private static final String SERVER_ID = "spiffe://cluster.local/ns/default/sa/server";
    private static final String CLIENT_ID = "spiffe://cluster.local/ns/default/sa/client";

    @TempDir
    Path dir;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
        System.clearProperty(TlsProvider.PROPERTY);
    }

    private static String tlsDownstream(Path d, String sanPrefix) {
        return """
                transport_socket:
                  name: envoy.transport_sockets.tls
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
                    require_client_certificate: true
                    common_tls_context:
                      alpn_protocols: [h2, http/1.1]
                      tls_certificates:
                      - certificate_chain: { filename: "%1$s/server-cert.pem" }
                        private_key: { filename: "%1$s/server-key.pem" }
                      validation_context:
                        trusted_ca: { filename: "%1$s/server-ca.pem" }
                        match_typed_subject_alt_names:
                        - san_type: URI
                          matcher: { prefix: "%2$s" }
                """.formatted(d, sanPrefix);
    }

    private static String tlsUpstream(Path d, String san, List<String> alpn) {
        return """
                transport_socket:
                  name: envoy.transport_sockets.tls
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                    sni: server.default.svc.cluster.local
                    common_tls_context:
                      alpn_protocols: %3$s
                      tls_params: { tls_maximum_protocol_version: TLSv1_3 }
                      tls_certificates:
                      - certificate_chain: { filename: "%1$s/client-cert.pem" }
                        private_key: { filename: "%1$s/client-key.pem" }
                      validation_context:
                        trusted_ca: { filename: "%1$s/client-ca.pem" }
                        match_typed_subject_alt_names:
                        - san_type: URI
                          matcher: { exact: "%2$s" }
                """.formatted(d, san, alpn);
    }

    private static String indent(String s, int n) {
        return s.indent(n);
    }

    private String serverSidecar(int httpPort, int tcpPort, int appPort, Path certs, Path log) {
        return """
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
                static_resources:
                  listeners:
                  - name: inbound-http
                    address: { socket_address: { address: 127.0.0.1, port_value: %1$d } }
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.http_connection_manager
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                          stat_prefix: inbound
                          forward_client_cert_details: SANITIZE_SET
                          set_current_client_cert_details: { uri: true }
                          access_log:
                          - name: envoy.access_loggers.file
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                              path: %4$s
                              log_format: { text_format_source: { inline_string: "http %%RESPONSE_CODE%% peer=%%DOWNSTREAM_PEER_URI_SAN%% v=%%DOWNSTREAM_TLS_VERSION%% sni=%%REQUESTED_SERVER_NAME%% xfcc=%%REQ(X-FORWARDED-CLIENT-CERT)%%\\n" } }
                          route_config:
                            virtual_hosts:
                            - name: app
                              domains: ["*"]
                              routes:
                              - match: { prefix: "/" }
                                route: { cluster: app }
                          http_filters:
                          - name: envoy.filters.http.router
                            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                %5$s
                  - name: inbound-tcp
                    address: { socket_address: { address: 127.0.0.1, port_value: %2$d } }
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.tcp_proxy
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                          stat_prefix: inbound_tcp
                          cluster: app
                          access_log:
                          - name: envoy.access_loggers.file
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                              path: %4$s
                              log_format: { text_format_source: { inline_string: "tcp peer=%%DOWNSTREAM_PEER_URI_SAN%% subject=%%DOWNSTREAM_PEER_SUBJECT%% failure=%%DOWNSTREAM_TRANSPORT_FAILURE_REASON%% fp1=%%DOWNSTREAM_PEER_FINGERPRINT_1%% serials=%%DOWNSTREAM_PEER_CHAIN_SERIALS%%\\n" } }
                %5$s
                  clusters:
                  - name: app
                    type: STATIC
                    connect_timeout: 1s
                    load_assignment:
                      cluster_name: app
                      endpoints:
                      - lb_endpoints:
                        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %3$d } } }
                """.formatted(httpPort, tcpPort, appPort, log, indent(tlsDownstream(certs, "spiffe://cluster.local/ns/default/sa/client"), 6));
    }

    private String clientSidecar(int outPort, int outTcpPort, int serverHttp, int serverTcp, Path certs, Path log) {
        return """
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
                static_resources:
                  listeners:
                  - name: outbound-http
                    address: { socket_address: { address: 127.0.0.1, port_value: %1$d } }
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.http_connection_manager
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                          stat_prefix: outbound
                          access_log:
                          - name: envoy.access_loggers.file
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                              path: %6$s
                              log_format: { text_format_source: { inline_string: "http upstream peer=%%UPSTREAM_PEER_URI_SAN%% v=%%UPSTREAM_TLS_VERSION%%\\n" } }
                          route_config:
                            virtual_hosts:
                            - name: server
                              domains: ["*"]
                              routes:
                              - match: { prefix: "/h2" }
                                route: { cluster: server-h2 }
                              - match: { prefix: "/" }
                                route: { cluster: server-h1 }
                          http_filters:
                          - name: envoy.filters.http.router
                            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                  - name: outbound-tcp
                    address: { socket_address: { address: 127.0.0.1, port_value: %2$d } }
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.tcp_proxy
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                          stat_prefix: outbound_tcp
                          cluster: server-tcp
                          access_log:
                          - name: envoy.access_loggers.file
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                              path: %6$s
                              log_format: { text_format_source: { inline_string: "upstream peer=%%UPSTREAM_PEER_URI_SAN%% v=%%UPSTREAM_TLS_VERSION%%\\n" } }
                  clusters:
                  - name: server-h1
                    type: STATIC
                    connect_timeout: 1s
                    load_assignment:
                      cluster_name: server-h1
                      endpoints:
                      - lb_endpoints:
                        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %3$d } } }
                %7$s
                  - name: server-h2
                    type: STATIC
                    connect_timeout: 1s
                    typed_extension_protocol_options:
                      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                        explicit_http_config: { http2_protocol_options: {} }
                    load_assignment:
                      cluster_name: server-h2
                      endpoints:
                      - lb_endpoints:
                        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %3$d } } }
                %8$s
                  - name: server-tcp
                    type: STATIC
                    connect_timeout: 1s
                    load_assignment:
                      cluster_name: server-tcp
                      endpoints:
                      - lb_endpoints:
                        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %4$d } } }
                %5$s
                """.formatted(outPort, outTcpPort, serverHttp, serverTcp,
                indent(tlsUpstream(certs, SERVER_ID, List.of()), 4), log,
                indent(tlsUpstream(certs, SERVER_ID, List.of("http/1.1")), 4),
                indent(tlsUpstream(certs, SERVER_ID, List.of("h2")), 4));
    }

    @ParameterizedTest
    @ValueSource(strings = {"boringssl", "jdk"})
    void mutualTlsBetweenTwoSidecars(String provider) throws Exception {
        System.setProperty(TlsProvider.PROPERTY, provider);
        TestCerts.Ca mesh = TestCerts.ca("mesh-ca");
        TestCerts.Ca rogue = TestCerts.ca("rogue-ca");
        Path certs = dir.resolve("certs");
        mesh.issue("server", SERVER_ID).write(certs, "server");
        TestCerts.Leaf clientLeaf = mesh.issue("client", CLIENT_ID);
        clientLeaf.write(certs, "client");
        mesh.issue("other", "spiffe://cluster.local/ns/default/sa/other").write(certs, "other");
        rogue.issue("client", CLIENT_ID).write(certs, "rogue");
        mesh.issue("client", Instant.now().minus(Duration.ofDays(3)), Instant.now().minus(Duration.ofDays(1)),
                CLIENT_ID).write(certs, "expired");

        TestUpstream app = TestUpstream.text("hello from app");
        closeables.add(app);
        int inHttp = XdsProxy.freePort();
        int inTcp = XdsProxy.freePort();
        int out = XdsProxy.freePort();
        int outTcp = XdsProxy.freePort();
        Path serverLog = dir.resolve("server.log");
        Path clientLog = dir.resolve("client.log");
        XdsProxy server = XdsProxy.start(serverSidecar(inHttp, inTcp, app.port(), certs, serverLog));
        closeables.add(server);
        XdsProxy client = XdsProxy.start(clientSidecar(out, outTcp, inHttp, inTcp, certs, clientLog));
        closeables.add(client);
        String listenerLabel = "envoy_listener_address=\"127.0.0.1_" + inTcp + "\"";

        // HTTP/1.1 and HTTP/2 over mTLS, client sidecar to server sidecar.
        XdsProxy.Reply h1 = client.get(out, "/h1");
        assertEquals(200, h1.status(), h1.toString());
        assertEquals("hello from app", h1.body());
        XdsProxy.Reply h2 = client.get(out, "/h2");
        assertEquals(200, h2.status(), h2.toString());
        assertEquals(2.0, server.metric("envoy_listener_ssl_handshake", "127.0.0.1_" + inHttp));
        assertEquals(1.0, client.metric("envoy_cluster_ssl_handshake", "envoy_cluster_name=\"server-h2\""));
        assertEquals(2.0, server.metric("envoy_listener_ssl_versions_TLSv1_3", "127.0.0.1_" + inHttp));

        // /certs: the server's chain (its SPIFFE ID) and the mesh CA, with days until expiration.
        String certsJson = server.admin("/certs");
        assertTrue(certsJson.contains("{\"uri\":\"" + SERVER_ID + "\"}") && certsJson.contains("\"ca_cert\":[{")
                && certsJson.contains("\"days_until_expiration\":\"0\""), certsJson);

        // TCP over mTLS: an HTTP request as raw bytes through both tcp_proxies.
        try (Socket s = new Socket("127.0.0.1", outTcp)) {
            s.setSoTimeout(5000);
            OutputStream o = s.getOutputStream();
            o.write("GET /tcp HTTP/1.1\r\nHost: app\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            o.flush();
            String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertTrue(reply.startsWith("HTTP/1.1 200") && reply.endsWith("hello from app"), reply);
        }

        // curl as a real peer: with the client certificate it gets through, h2 by ALPN; two
        // requests on one connection (the second gets the XFCC element the connection keeps).
        CommandResult ok = curl(inHttp, certs, "client", "/curl-again");
        assertEquals(0, ok.exit, ok.output);
        assertEquals(2, ok.output.split("hello from app", -1).length - 1, ok.output);

        // Refusals, each with Envoy's stat, seen from curl (HTTP) and openssl s_client (TCP).
        assertRefused(curl(inHttp, certs, null), server, "envoy_listener_ssl_fail_verify_no_cert", inHttp);
        assertRefused(curl(inHttp, certs, "other"), server, "envoy_listener_ssl_fail_verify_san", inHttp);
        assertRefused(curl(inHttp, certs, "rogue"), server, "envoy_listener_ssl_fail_verify_error", inHttp);
        assertRefused(curl(inHttp, certs, "expired"), server, "envoy_listener_ssl_fail_verify_error", inHttp);
        assertEquals(2.0, server.metric("envoy_listener_ssl_fail_verify_error", "127.0.0.1_" + inHttp));

        sClient(inTcp, certs, "other");
        sClient(inTcp, certs, "rogue");
        sClient(inTcp, certs, "expired");
        sClient(inTcp, certs, null);
        awaitMetric(server, "envoy_listener_ssl_fail_verify_san", listenerLabel, 1.0);
        awaitMetric(server, "envoy_listener_ssl_fail_verify_error", listenerLabel, 2.0);
        awaitMetric(server, "envoy_listener_ssl_fail_verify_no_cert", listenerLabel, 1.0);
        assertEquals(0.0, server.metric("envoy_listener_ssl_connection_error", listenerLabel),
                "verification failures are not connection errors");

        // Access logs: identities of the accepted peer and the reasons for the refused ones.
        String log = awaitLog(serverLog, "CERTIFICATE_VERIFY_FAILED", 4);
        // The connection manager's log has the connection's TLS fields and SNI too (curl's, and the
        // client sidecar's cluster sni).
        String httpLog = awaitLog(serverLog, "sni=server.test", 2);
        assertTrue(httpLog.contains("http 200 peer=" + CLIENT_ID + " v=TLSv1.3 sni=server.test"), httpLog);
        List<String> curlXfcc = httpLog.lines().filter(l -> l.contains("sni=server.test xfcc="))
                .map(l -> l.substring(l.indexOf("xfcc="))).toList();
        assertEquals(2, curlXfcc.size(), httpLog);
        assertEquals(curlXfcc.get(0), curlXfcc.get(1), "both requests of curl's connection: " + httpLog);
        assertTrue(curlXfcc.get(1).startsWith("xfcc=By=" + SERVER_ID + ";Hash=") && curlXfcc.get(1).endsWith(";URI=" + CLIENT_ID),
                httpLog);
        assertTrue(httpLog.contains(" v=TLSv1.3 sni=server.default.svc.cluster.local"), httpLog);
        assertTrue(log.contains("tcp peer=" + CLIENT_ID + " subject=O=remora-test,CN=client failure=- fp1="
                + java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-1")
                        .digest(clientLeaf.cert().getEncoded()))
                + " serials=" + clientLeaf.cert().getSerialNumber().toString(16)), log);
        // Envoy's stream_info_formatter.cc writes the reason with '_' for ' '.
        assertTrue(log.contains("failure=TLS_error:|CERTIFICATE_VERIFY_FAILED:certificate_verify_failed:_SAN_matcher"), log);
        assertTrue(log.contains("certificate_has_expired"), log);
        assertTrue(log.contains("PEER_DID_NOT_RETURN_A_CERTIFICATE"), log);
        // HTTP: the peer's identity in the access log and in x-forwarded-client-cert (SANITIZE_SET
        // with the URI: By is this sidecar's own SAN, URI the client's).
        assertTrue(log.contains("http 200 peer=" + CLIENT_ID + " v=TLSv1.3 sni=server.test xfcc=By=" + SERVER_ID + ";Hash="), log);
        assertTrue(log.contains(";URI=" + CLIENT_ID), log);
        String clog = awaitLog(clientLog, "http upstream peer=", 1);
        assertTrue(clog.lines().anyMatch(l -> l.equals("upstream peer=" + SERVER_ID + " v=TLSv1.3")), clog);
        assertTrue(clog.lines().anyMatch(l -> l.startsWith("http upstream peer=" + SERVER_ID + " v=TLSv1.")), clog);

        // The client sidecar refuses a server whose SAN it does not expect.
        assertEquals(0.0, client.metric("envoy_cluster_ssl_fail_verify_san", "envoy_cluster_name=\"server-h1\""));
    }

    private static String hcm(String statPrefix) {
        return """
                - name: envoy.filters.network.http_connection_manager
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                    stat_prefix: %s
                    route_config:
                      virtual_hosts:
                      - name: app
                        domains: ["*"]
                        routes:
                        - match: { prefix: "/" }
                          route: { cluster: app }
                    http_filters:
                    - name: envoy.filters.http.router
                      typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                """.formatted(statPrefix);
    }

    /** Istio's PERMISSIVE inbound: tls_inspector, one chain for mTLS and one for plaintext on the same port. */
    private String permissiveServer(int port, int appPort, Path certs) {
        return """
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
                static_resources:
                  listeners:
                  - name: virtualInbound
                    address: { socket_address: { address: 127.0.0.1, port_value: %1$d } }
                    listener_filters:
                    - name: envoy.filters.listener.tls_inspector
                      typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector }
                    filter_chains:
                    - name: inbound-mtls
                      filter_chain_match: { transport_protocol: tls }
                      filters:
                %3$s
                %4$s
                    - name: inbound-plaintext
                      filter_chain_match: { transport_protocol: raw_buffer }
                      filters:
                %5$s
                  clusters:
                  - name: app
                    type: STATIC
                    connect_timeout: 1s
                    load_assignment:
                      cluster_name: app
                      endpoints:
                      - lb_endpoints:
                        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %2$d } } }
                """.formatted(port, appPort, indent(hcm("inbound_mtls"), 6),
                indent(tlsDownstream(certs, "spiffe://cluster.local/"), 6), indent(hcm("inbound_plain"), 6));
    }

    /** Istio's outbound cluster: tlsMode-istio endpoints get mTLS, the others plaintext. */
    private String tlsModeClient(int outPort, int serverPort, Path certs) {
        String matches = """
                transport_socket_matches:
                - name: tlsMode-istio
                  match: { tlsMode: istio }
                %s
                - name: tlsMode-disabled
                  match: {}
                  transport_socket:
                    name: envoy.transport_sockets.raw_buffer
                    typed_config: { "@type": type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer }
                """.formatted(indent(tlsUpstream(certs, SERVER_ID, List.of("http/1.1")), 2));
        return """
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
                static_resources:
                  listeners:
                  - name: outbound
                    address: { socket_address: { address: 127.0.0.1, port_value: %1$d } }
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.http_connection_manager
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                          stat_prefix: outbound
                          route_config:
                            virtual_hosts:
                            - name: server
                              domains: ["*"]
                              routes:
                              - match: { prefix: "/mtls" }
                                route: { cluster: istio-endpoints }
                              - match: { prefix: "/" }
                                route: { cluster: plain-endpoints }
                          http_filters:
                          - name: envoy.filters.http.router
                            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                  clusters:
                  - name: istio-endpoints
                    type: STATIC
                    connect_timeout: 1s
                    load_assignment:
                      cluster_name: istio-endpoints
                      endpoints:
                      - lb_endpoints:
                        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %2$d } } }
                          metadata: { filter_metadata: { envoy.transport_socket_match: { tlsMode: istio } } }
                %3$s
                  - name: plain-endpoints
                    type: STATIC
                    connect_timeout: 1s
                    load_assignment:
                      cluster_name: plain-endpoints
                      endpoints:
                      - lb_endpoints:
                        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %2$d } } }
                %3$s
                """.formatted(outPort, serverPort, indent(matches, 4));
    }

    @ParameterizedTest
    @ValueSource(strings = {"boringssl", "jdk"})
    void permissiveInboundAndTlsModeMatches(String provider) throws Exception {
        System.setProperty(TlsProvider.PROPERTY, provider);
        TestCerts.Ca mesh = TestCerts.ca("mesh-ca");
        Path certs = dir.resolve("certs");
        mesh.issue("server", SERVER_ID).write(certs, "server");
        mesh.issue("client", CLIENT_ID).write(certs, "client");
        TestUpstream app = TestUpstream.text("hello from app");
        closeables.add(app);
        int in = XdsProxy.freePort();
        int out = XdsProxy.freePort();
        XdsProxy server = XdsProxy.start(permissiveServer(in, app.port(), certs));
        closeables.add(server);
        XdsProxy client = XdsProxy.start(tlsModeClient(out, in, certs));
        closeables.add(client);
        String label = "127.0.0.1_" + in;

        // Plaintext client straight to the PERMISSIVE port.
        XdsProxy.Reply plain = server.get(in, "/direct");
        assertEquals(200, plain.status(), plain.toString());
        assertEquals(0.0, orZero(server.metric("envoy_listener_ssl_handshake", label)));
        // mTLS client (curl) on the same port.
        CommandResult mtls = curl(in, certs, "client");
        assertEquals(0, mtls.exit, mtls.output);
        assertEquals(1.0, server.metric("envoy_listener_ssl_handshake", label));

        // tlsMode: istio endpoint → mTLS; an endpoint without it → plaintext.
        XdsProxy.Reply viaTls = client.get(out, "/mtls");
        assertEquals(200, viaTls.status(), viaTls.toString());
        assertEquals(2.0, server.metric("envoy_listener_ssl_handshake", label));
        assertEquals(1.0, client.metric("envoy_cluster_ssl_handshake", "envoy_cluster_name=\"istio-endpoints\""));
        XdsProxy.Reply viaPlain = client.get(out, "/plain");
        assertEquals(200, viaPlain.status(), viaPlain.toString());
        assertEquals(2.0, server.metric("envoy_listener_ssl_handshake", label), "the plaintext endpoint used no TLS");
        assertEquals(0.0, orZero(client.metric("envoy_cluster_ssl_handshake", "envoy_cluster_name=\"plain-endpoints\"")));
    }

    private static double orZero(double v) {
        return Double.isNaN(v) ? 0.0 : v;
    }

    private static void awaitMetric(XdsProxy p, String name, String label, double want) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        double v = Double.NaN;
        while (System.nanoTime() < deadline) {
            v = p.metric(name, label);
            if (v == want) {
                return;
            }
            Thread.sleep(20);
        }
        assertEquals(want, v, name + " " + label);
    }

    private static String awaitLog(Path log, String needle, int count) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        String text = "";
        while (System.nanoTime() < deadline) {
            text = Files.exists(log) ? Files.readString(log) : "";
            if (text.split(java.util.regex.Pattern.quote(needle), -1).length - 1 >= count) {
                return text;
            }
            Thread.sleep(50);
        }
        return text;
    }

    private static void assertRefused(CommandResult r, XdsProxy p, String stat, int port) throws InterruptedException {
        assertTrue(r.exit != 0, "curl should have failed: " + r.output);
        awaitMetric(p, stat, "127.0.0.1_" + port, Math.max(1.0, p.metric(stat, "127.0.0.1_" + port)));
        assertTrue(p.metric(stat, "127.0.0.1_" + port) >= 1.0, stat);
    }

    record CommandResult(int exit, String output) {
    }

    private static CommandResult run(List<String> cmd, String stdin) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try (OutputStream o = p.getOutputStream()) {
            if (stdin != null) {
                o.write(stdin.getBytes(StandardCharsets.US_ASCII));
            }
        }
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + cmd);
        }
        return new CommandResult(p.exitValue(), out);
    }

    /** curl to /curl, then to each of {@code morePaths} on the same connection. */
    private static CommandResult curl(int port, Path certs, String who, String... morePaths) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--http2", "--max-time", "10",
                "--cacert", certs.resolve("server-ca.pem").toString(), "--resolve", "server.test:" + port + ":127.0.0.1"));
        if (who != null) {
            cmd.addAll(List.of("--cert", certs.resolve(who + "-cert.pem").toString(),
                    "--key", certs.resolve(who + "-key.pem").toString()));
        }
        // The server's certificate carries only a SPIFFE URI: the peer identity check is the SAN, not a host name.
        cmd.add("-k");
        cmd.add("https://server.test:" + port + "/curl");
        for (String path : morePaths) {
            cmd.add("https://server.test:" + port + path);
        }
        return run(cmd, null);
    }

    /** openssl s_client with a client certificate (or none); sends a request so TLS 1.3's post-handshake alert arrives. */
    private static CommandResult sClient(int port, Path certs, String who) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port, "-quiet",
                "-CAfile", certs.resolve("server-ca.pem").toString()));
        if (who != null) {
            cmd.addAll(List.of("-cert", certs.resolve(who + "-cert.pem").toString(),
                    "-key", certs.resolve(who + "-key.pem").toString()));
        }
        return run(cmd, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    }
}
