package io.remora.e2e;

import io.remora.testing.TestCerts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The downstream TLS options a mesh sidecar relies on, with openssl s_client as the real peer: a
 * CRL refusing a revoked client certificate, {@code combined_validation_context} whose CA comes
 * from a named secret ({@code validation_context_sds_secret_config}) and whose SAN matcher is
 * inline, {@code tls_params} limiting versions and cipher suites (and the negotiated cipher in
 * {@code ssl.ciphers}), and session resumption: on by default, off when Istio disables it.
 */
class TlsOptionsE2ETest {

    static final String CLIENT = "spiffe://cluster.local/ns/default/sa/client";
    static final String CIPHER = "ECDHE-ECDSA-AES128-GCM-SHA256";

    @TempDir
    Path dir;

    static String listener(String name, int port, String tls) {
        return """
                - name: %1$s
                  address: { socket_address: { address: 127.0.0.1, port_value: %2$d } }
                  filter_chains:
                  - filters:
                    - name: envoy.filters.network.http_connection_manager
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                        stat_prefix: %1$s
                        route_config:
                          virtual_hosts:
                          - name: all
                            domains: ["*"]
                            routes: [{ match: { prefix: / }, direct_response: { status: 200, body: { inline_string: "ok-%1$s" } } }]
                        http_filters:
                        - name: envoy.filters.http.router
                          typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                    transport_socket:
                      name: envoy.transport_sockets.tls
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
                %3$s
                """.formatted(name, port, tls.indent(8).stripTrailing());
    }

    @Test
    void crlCombinedValidationParamsAndResumption() throws Exception {
        TestCerts.Ca ca = TestCerts.ca("mesh-ca");
        Path certs = dir.resolve("certs");
        ca.issue("server", "spiffe://cluster.local/ns/default/sa/server").write(certs, "server");
        ca.issue("client", CLIENT).write(certs, "client");
        TestCerts.Leaf revoked = ca.issue("client", CLIENT);
        revoked.write(certs, "revoked");
        ca.issue("other", "spiffe://cluster.local/ns/default/sa/other").write(certs, "other");
        Files.writeString(certs.resolve("ca.crl"), ca.crl(revoked.cert()));
        String serverCert = serverCert(certs);
        int admin = ProxyProcess.freePort();
        int crl = ProxyProcess.freePort();
        int combined = ProxyProcess.freePort();
        int params = ProxyProcess.freePort();
        int resumeOn = ProxyProcess.freePort();
        int resumeOff = ProxyProcess.freePort();
        String yaml = """
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                static_resources:
                  secrets:
                  - name: mesh-ca
                    validation_context:
                      trusted_ca: { filename: "%s/server-ca.pem" }
                  listeners:
                %s
                %s
                %s
                %s
                %s
                """.formatted(admin, certs,
                listener("crl", crl, """
                        require_client_certificate: true
                        common_tls_context:
                        %s
                          validation_context:
                            trusted_ca: { filename: "%s/server-ca.pem" }
                            crl: { filename: "%s/ca.crl" }
                        """.formatted(serverCert.stripTrailing(), certs, certs)).indent(2).stripTrailing(),
                listener("combined", combined, """
                        require_client_certificate: true
                        common_tls_context:
                        %s
                          combined_validation_context:
                            default_validation_context:
                              match_typed_subject_alt_names:
                              - san_type: URI
                                matcher: { exact: "%s" }
                            validation_context_sds_secret_config: { name: mesh-ca }
                        """.formatted(serverCert.stripTrailing(), CLIENT)).indent(2).stripTrailing(),
                listener("params", params, """
                        common_tls_context:
                        %s
                          tls_params:
                            tls_minimum_protocol_version: TLSv1_2
                            tls_maximum_protocol_version: TLSv1_2
                            cipher_suites: [ "%s" ]
                        """.formatted(serverCert.stripTrailing(), CIPHER)).indent(2).stripTrailing(),
                listener("resume_on", resumeOn, """
                        common_tls_context:
                        %s
                        """.formatted(serverCert.stripTrailing())).indent(2).stripTrailing(),
                listener("resume_off", resumeOff, """
                        disable_stateless_session_resumption: true
                        disable_stateful_session_resumption: true
                        common_tls_context:
                        %s
                        """.formatted(serverCert.stripTrailing())).indent(2).stripTrailing());
        try (ProxyProcess proxy = ProxyProcess.start(yaml, admin,
                List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"))) {
            // CRL: the revoked certificate is refused, a sibling from the same CA is not.
            assertTrue(sClient(crl, certs, "client").contains("ok-crl"));
            assertNotEquals(true, sClient(crl, certs, "revoked").contains("ok-crl"));
            assertTrue(stat(proxy, "envoy_listener_ssl_fail_verify_error", crl) >= 1.0);

            // combined_validation_context: the CA from the named secret, the SAN matcher inline.
            assertTrue(sClient(combined, certs, "client").contains("ok-combined"));
            assertNotEquals(true, sClient(combined, certs, "other").contains("ok-combined"));
            assertEquals(1.0, stat(proxy, "envoy_listener_ssl_fail_verify_san", combined));

            // tls_params: TLS 1.3 and other cipher suites are refused; the configured one is counted.
            assertNotEquals(true, sClient(params, certs, null, "-tls1_3").contains("ok-params"));
            assertNotEquals(true, sClient(params, certs, null, "-tls1_2", "-cipher",
                    "ECDHE-ECDSA-CHACHA20-POLY1305").contains("ok-params"));
            assertTrue(sClient(params, certs, null, "-tls1_2", "-cipher", CIPHER).contains("ok-params"));
            // Envoy's listener cipher tag extractor wants ssl.cipher. (singular): the name keeps the cipher.
            assertEquals(1.0, stat(proxy, "envoy_listener_ssl_ciphers_" + CIPHER.replace('-', '_'), params),
                    "ssl.ciphers." + CIPHER);
            assertEquals(1.0, stat(proxy, "envoy_listener_ssl_versions_TLSv1_2", params));
            // ssl.curves.<group>: the key exchange's group, as Envoy's logHandshake counts it.
            double x25519 = stat(proxy, "envoy_listener_ssl_curves_X25519", resumeOn);
            assertTrue(sClient(resumeOn, certs, null, "-curves", "P-256").contains("ok-resume_on"));
            assertEquals(1.0, stat(proxy, "envoy_listener_ssl_curves_P_256", resumeOn));
            assertTrue(sClient(resumeOn, certs, null, "-curves", "X25519").contains("ok-resume_on"));
            assertEquals(x25519 + 1, stat(proxy, "envoy_listener_ssl_curves_X25519", resumeOn));
            // /stats has Envoy's dotted names: the ssl scope, the negotiated value as the library names it.
            String listener = "listener.127.0.0.1_";
            assertEquals(1.0, proxy.stat(listener + params + ".ssl.ciphers." + CIPHER));
            assertEquals(1.0, proxy.stat(listener + params + ".ssl.versions.TLSv1.2"));
            assertEquals(1.0, proxy.stat(listener + resumeOn + ".ssl.curves.P-256"));
            assertEquals(1.0, proxy.stat(listener + combined + ".ssl.fail_verify_san"));
            assertEquals(2.0, proxy.stat(listener + resumeOn + ".ssl.handshake"));
            // A client that never sends its hello: Netty's 10 s handshake timeout closes it (Envoy
            // has none), and, no TLS error having happened, ssl.connection_error stays as it was.
            double errors = proxy.stat(listener + crl + ".ssl.connection_error");
            try (java.net.Socket silent = new java.net.Socket("127.0.0.1", crl)) {
                silent.setSoTimeout(30_000);
                assertEquals(-1, silent.getInputStream().read(), "closed by the handshake timeout");
            }
            assertEquals(errors, proxy.stat(listener + crl + ".ssl.connection_error"));
            String stats = proxy.admin("/stats");
            for (String zero : List.of("no_certificate", "ocsp_staple_requests", "ocsp_staple_omitted",
                    "ocsp_staple_responses", "ocsp_staple_failed", "was_key_usage_invalid", "connection_error")) {
                assertTrue(stats.contains("\n" + listener + crl + ".ssl." + zero + ": "), zero + ": " + stats);
            }

            // Resumption: on by default (the second connection resumes the first's session), off
            // with Istio's two flags: no session cache and no tickets, so a full handshake each time.
            Path sess = dir.resolve("session.pem");
            sClient(resumeOn, certs, null, "-tls1_2", "-sess_out", sess.toString());
            assertTrue(sClient(resumeOn, certs, null, "-tls1_2", "-sess_in", sess.toString()).contains("Reused, TLSv1.2"));
            for (String version : List.of("-tls1_2", "-tls1_3")) {
                Path s2 = dir.resolve("session" + version + ".pem");
                String first = sClient(resumeOff, certs, null, version, "-sess_out", s2.toString());
                assertTrue(first.contains("ok-resume_off") && !first.contains("TLS session ticket:"), first);
                // openssl writes no session file when there is nothing to resume (no ticket, no id).
                if (Files.exists(s2)) {
                    String second = sClient(resumeOff, certs, null, version, "-sess_in", s2.toString());
                    assertTrue(second.contains("New, TLSv1.") && second.contains("ok-resume_off"), second);
                }
            }
        }
    }

    /** {@code tls_certificates} of server-cert.pem/server-key.pem in {@code certs}, to go under common_tls_context. */
    static String serverCert(Path certs) {
        return """
                  tls_certificates:
                  - certificate_chain: { filename: "%1$s/server-cert.pem" }
                    private_key: { filename: "%1$s/server-key.pem" }
                """.formatted(certs);
    }

    static double stat(ProxyProcess proxy, String name, int port) throws Exception {
        String label = "envoy_listener_address=\"127.0.0.1_" + port + "\"";
        return proxy.admin("/stats/prometheus").lines()
                .filter(l -> l.startsWith(name + "{") && l.contains(label))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    /** openssl s_client sending one request; its whole output (handshake summary and response). */
    static String sClient(int port, Path certs, String who, String... extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port,
                "-ign_eof", "-CAfile", certs.resolve("server-ca.pem").toString()));
        if (who != null) {
            cmd.addAll(List.of("-cert", certs.resolve(who + "-cert.pem").toString(),
                    "-key", certs.resolve(who + "-key.pem").toString()));
        }
        cmd.addAll(List.of(extra));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try (OutputStream o = p.getOutputStream()) {
            o.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        } catch (java.io.IOException e) {
            // openssl exits at once when the handshake is refused (a revoked certificate), and the JDK
            // closes an exited process's stdin: its output below says what happened
        }
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + cmd);
        }
        return out;
    }
}
