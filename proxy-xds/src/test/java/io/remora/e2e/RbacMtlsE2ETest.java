package io.remora.e2e;

import io.remora.testing.TestCerts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The {@code authenticated} principal on real mutual TLS: the peer's SPIFFE URI SAN (then DNS
 * SAN, then subject) from the handshake decides, for the HTTP filter and the network filter alike.
 */
class RbacMtlsE2ETest {

    static final String SLEEP = "spiffe://cluster.local/ns/default/sa/sleep";
    static final String OTHER = "spiffe://cluster.local/ns/default/sa/other";

    @TempDir
    Path dir;

    /** A TLS client trusting ca, presenting leaf (none when null). */
    static SSLContext client(TestCerts.Leaf leaf, TestCerts.Ca ca) throws Exception {
        KeyManagerFactory kmf = null;
        if (leaf != null) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("me", leaf.keys().getPrivate(), "x".toCharArray(), new Certificate[]{leaf.cert()});
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, "x".toCharArray());
        }
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        ts.setCertificateEntry("ca", ca.cert());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }

    static String tls(Path d) {
        return """
                transport_socket:
                  name: envoy.transport_sockets.tls
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
                    require_client_certificate: true
                    common_tls_context:
                      tls_certificates:
                      - certificate_chain: { filename: "%1$s/server-cert.pem" }
                        private_key: { filename: "%1$s/server-key.pem" }
                      validation_context:
                        trusted_ca: { filename: "%1$s/server-ca.pem" }
                """.formatted(d);
    }

    @Test
    void authenticatedPrincipalFromTheHandshake() throws Exception {
        TestCerts.Ca ca = TestCerts.ca("mesh-ca");
        ca.issue("server", "spiffe://cluster.local/ns/default/sa/server", "127.0.0.1").write(dir, "server");
        TestCerts.Leaf sleep = ca.issue("sleep", SLEEP);
        TestCerts.Leaf other = ca.issue("other", OTHER, "other.default.svc");
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
            int httpPort = ProxyProcess.freePort();
            int tcpPort = ProxyProcess.freePort();
            String yaml = """
                    admin:
                      address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                    static_resources:
                      listeners:
                      - name: https
                        address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                        filter_chains:
                        - filters:
                          - name: envoy.filters.network.http_connection_manager
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                              stat_prefix: inbound
                              route_config:
                                virtual_hosts:
                                - name: app
                                  domains: ["*"]
                                  routes: [{ match: { prefix: / }, route: { cluster: app } }]
                              http_filters:
                              - name: envoy.filters.http.rbac
                                typed_config:
                                  "@type": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC
                                  rules:
                                    policies:
                                      sleep-only:
                                        permissions: [{ any: true }]
                                        principals: [{ authenticated: { principal_name: { exact: "%s" } } }]
                              - name: envoy.filters.http.router
                                typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                    %s
                      - name: tls-tcp
                        address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                        filter_chains:
                        - filters:
                          - name: envoy.filters.network.rbac
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC
                              stat_prefix: mtls_tcp.
                              rules:
                                action: DENY
                                policies:
                                  no-other-by-dns:
                                    permissions: [{ any: true }]
                                    principals: [{ authenticated: { principal_name: { suffix: ".default.svc" } } }]
                          - name: envoy.filters.network.tcp_proxy
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                              stat_prefix: mtls_tcp
                              cluster: echo
                    %s
                      clusters:
                    %s
                    %s
                    """.formatted(admin, httpPort, SLEEP, tls(dir).indent(6).stripTrailing(), tcpPort,
                    tls(dir).indent(6).stripTrailing(),
                    Bootstraps.indent(Bootstraps.cluster("app", false, null, backend.port()), 2),
                    Bootstraps.indent(Bootstraps.cluster("echo", false, null, echo.getLocalPort()), 2));
            // C1 only and the serial collector: a quicker start on a busy machine.
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin,
                    java.util.List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"))) {
                URI uri = URI.create("https://127.0.0.1:" + httpPort + "/x");
                for (int i = 0; i < 2; i++) {
                    TestCerts.Leaf who = i == 0 ? sleep : other;
                    HttpClient c = HttpClient.newBuilder().sslContext(client(who, ca))
                            .connectTimeout(Duration.ofSeconds(5)).build();
                    HttpResponse<String> r = c.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (who == sleep) {
                        assertEquals(200, r.statusCode());
                        assertEquals("app", r.body());
                    } else {
                        assertEquals(403, r.statusCode());
                        assertEquals("RBAC: access denied", r.body());
                    }
                }
                // Network RBAC: DENY by DNS SAN; sleep's certificate has none and passes, other's is refused.
                assertEquals("hi", echoOnce(client(sleep, ca), tcpPort));
                assertEquals(null, echoOnce(client(other, ca), tcpPort));
                assertEquals(1.0, proxy.metric("envoy_rbac_denied{envoy_rbac_prefix=\"mtls_tcp\"}"));
                assertEquals(1.0, proxy.metric("envoy_http_rbac_denied{envoy_http_conn_manager_prefix=\"inbound\"}"));
            }
        }
    }

    /** Sends "hi" over TLS and reads it back; null when the proxy closed the connection instead. */
    static String echoOnce(SSLContext ctx, int port) throws Exception {
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.startHandshake();
            s.getOutputStream().write("hi".getBytes());
            s.getOutputStream().flush();
            byte[] b = new byte[2];
            int n = 0;
            try {
                while (n < 2) {
                    int r = s.getInputStream().read(b, n, 2 - n);
                    if (r < 0) {
                        return null;
                    }
                    n += r;
                }
            } catch (java.io.IOException closed) {
                return null;
            }
            return new String(b);
        }
    }
}
