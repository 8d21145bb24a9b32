package io.remora.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.remora.testing.TestCerts;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code verify_certificate_hash} and {@code verify_certificate_spki} on a listener that requires
 * client certificates and has no trusted CA: the pins, computed by openssl as Envoy's docs show,
 * admit the pinned client only, and a mismatch counts {@code ssl.fail_verify_cert_hash}.
 */
class CertificatePinningE2ETest {

    @TempDir
    Path dir;

    @Test
    void pinnedClientsOnly() throws Exception {
        TestCerts.Ca ca = TestCerts.ca("pin-ca");
        Path certs = dir.resolve("certs");
        ca.issue("server").write(certs, "server");
        ca.issue("client").write(certs, "client");
        ca.issue("other").write(certs, "other");
        Path client = certs.resolve("client-cert.pem");
        // "sha256 Fingerprint=AB:CD:..." — Envoy takes the colon form as printed.
        String fingerprint = sh("openssl x509 -in " + client + " -noout -fingerprint -sha256").strip();
        String hash = fingerprint.substring(fingerprint.indexOf('=') + 1);
        String spki = sh("openssl x509 -in " + client + " -noout -pubkey | openssl pkey -pubin -outform DER"
                + " | openssl dgst -sha256 -binary | openssl enc -base64").strip();
        String serverCert = """
                  tls_certificates:
                  - certificate_chain: { filename: "%1$s/server-cert.pem" }
                    private_key: { filename: "%1$s/server-key.pem" }
                """.formatted(certs);
        int admin = ProxyProcess.freePort();
        int byHash = ProxyProcess.freePort();
        int bySpki = ProxyProcess.freePort();
        String yaml = """
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                static_resources:
                  listeners:
                %s
                %s
                """.formatted(admin,
                TlsOptionsE2ETest.listener("hash", byHash, """
                        require_client_certificate: true
                        common_tls_context:
                        %s
                          validation_context:
                            verify_certificate_hash: [ "%s" ]
                        """.formatted(serverCert.stripTrailing(), hash)).indent(2).stripTrailing(),
                TlsOptionsE2ETest.listener("spki", bySpki, """
                        require_client_certificate: true
                        common_tls_context:
                        %s
                          validation_context:
                            verify_certificate_hash: [ "%s" ]
                            verify_certificate_spki: [ "%s" ]
                        """.formatted(serverCert.stripTrailing(), "00".repeat(32), spki)).indent(2).stripTrailing());
        try (ProxyProcess proxy = ProxyProcess.start(yaml, admin,
                List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"))) {
            for (var l : List.of(new Object[] {"hash", byHash}, new Object[] {"spki", bySpki})) {
                String name = (String) l[0];
                int port = (Integer) l[1];
                assertTrue(TlsOptionsE2ETest.sClient(port, certs, "client").contains("ok-" + name), name);
                assertFalse(TlsOptionsE2ETest.sClient(port, certs, "other").contains("ok-" + name), name);
                assertFalse(TlsOptionsE2ETest.sClient(port, certs, null).contains("ok-" + name), name);
                assertEquals(1.0, TlsOptionsE2ETest.stat(proxy, "envoy_listener_ssl_fail_verify_cert_hash", port), name);
            }
        }
    }

    private static String sh(String command) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return out;
    }
}
