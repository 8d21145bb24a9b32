package io.remora.e2e;

import io.remora.testing.TempPaths;
import io.remora.testing.TestCerts;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Downstream TLS options over real TLS with curl. A route's {@code tls_context} match: a client
 * certificate presented and validated against the listener's CA, one presented but not validated
 * (the listener accepts untrusted chains), none presented, and a plaintext request, each taking
 * its own route. {@code require_sni}: a hello without a server name fails the handshake.
 * {@code allow_expired_certificate}: client chains with a certificate out of its validity period.
 */
class DownstreamTlsOptionsE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static ProxyProcess proxy;
    static Path certs;
    static final Map<String, Integer> PORTS = new HashMap<>();

    static String listener(String name, String trust) {
        return listener(name, trust, false);
    }

    static String listener(String name, String trust, boolean requireSni) {
        return listener(name, trust, requireSni, "server-ca.pem");
    }

    static String listener(String name, String trust, boolean requireSni, String caFile) {
        String tls = trust == null ? "" : """
                transport_socket:
                  name: tls
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
                    require_sni: REQUIRE_SNI
                    common_tls_context:
                      tls_certificates:
                      - certificate_chain: { filename: "CERTS/server-cert.pem" }
                        private_key: { filename: "CERTS/server-key.pem" }
                      validation_context: { trusted_ca: { filename: "CERTS/CA_FILE" }, trust_chain_verification: TRUST }
                """.replace("CA_FILE", caFile).replace("TRUST", trust).replace("REQUIRE_SNI", String.valueOf(requireSni))
                .replace("CERTS", certs.toString());
        return Bootstraps.httpListener(name, tls, "", """
                - match: { prefix: "/", tls_context: { presented: true, validated: true } }
                  direct_response: { status: 200, body: { inline_string: "validated" } }
                - match: { prefix: "/", tls_context: { presented: true } }
                  direct_response: { status: 200, body: { inline_string: "presented" } }
                - match: { prefix: "/", tls_context: { presented: false, validated: false } }
                  direct_response: { status: 200, body: { inline_string: "none" } }
                """);
    }

    @BeforeAll
    static void start() throws Exception {
        certs = TempPaths.directory("tls-route");
        TestCerts.Ca ca = TestCerts.ca("route-ca");
        ca.issue("server", "server.test").write(certs, "server");
        ca.issue("client", "spiffe://cluster.local/ns/a/sa/client").write(certs, "client");
        TestCerts.ca("stranger-ca").issue("stranger", "spiffe://elsewhere/ns/b/sa/x").write(certs, "stranger");
        java.time.Instant now = java.time.Instant.now();
        ca.issue("future", now.plus(java.time.Duration.ofDays(1)), now.plus(java.time.Duration.ofDays(2)))
                .write(certs, "future");
        TestCerts.Ca lapsed = ca.intermediate("lapsed-ca", now.minus(java.time.Duration.ofDays(2)),
                now.minus(java.time.Duration.ofDays(1)));
        TestCerts.Leaf underLapsed = lapsed.issue("under-lapsed");
        underLapsed.write(certs, "under-lapsed");
        // The client sends its chain: the leaf, then the intermediate whose validity ended.
        java.nio.file.Files.writeString(certs.resolve("under-lapsed-cert.pem"),
                underLapsed.certPem() + lapsed.pem());
        // Trust anchors out of their validity period, each with a client of its own that is in its period.
        TestCerts.Ca lapsedRoot = TestCerts.ca("lapsed-root", now.minus(java.time.Duration.ofDays(2)),
                now.minus(java.time.Duration.ofDays(1)));
        lapsedRoot.issue("of-lapsed-root").write(certs, "of-lapsed-root");
        TestCerts.Ca futureRoot = TestCerts.ca("future-root", now.plus(java.time.Duration.ofDays(1)),
                now.plus(java.time.Duration.ofDays(2)));
        futureRoot.issue("of-future-root").write(certs, "of-future-root");
        java.nio.file.Files.writeString(certs.resolve("odd-roots.pem"), lapsedRoot.pem() + futureRoot.pem());
        for (String l : List.of("verify", "untrusted", "plain", "sni", "expired", "odd-roots", "odd-roots-allowed")) {
            PORTS.put(l, ProxyProcess.freePort());
        }
        proxy = stack.start(Bootstraps.listeners(stack.adminPort, listener("verify", "VERIFY_TRUST_CHAIN")
                + listener("untrusted", "ACCEPT_UNTRUSTED") + listener("plain", null)
                + listener("sni", "VERIFY_TRUST_CHAIN", true)
                + listener("expired", "VERIFY_TRUST_CHAIN, allow_expired_certificate: true")
                + listener("odd-roots", "VERIFY_TRUST_CHAIN", false, "odd-roots.pem")
                + listener("odd-roots-allowed", "VERIFY_TRUST_CHAIN, allow_expired_certificate: true", false,
                        "odd-roots.pem"), "", PORTS), List.of());
    }

    static String get(String listener, String who) throws Exception {
        List<String> args = new ArrayList<>();
        if (who != null) {
            args.addAll(List.of("--cert", certs.resolve(who + "-cert.pem").toString(),
                    "--key", certs.resolve(who + "-key.pem").toString()));
        }
        boolean tls = !listener.equals("plain");
        if (tls) {
            args.addAll(List.of("--cacert", certs.resolve("server-ca.pem").toString(),
                    "--resolve", "server.test:" + PORTS.get(listener) + ":127.0.0.1"));
        }
        args.add((tls ? "https://server.test:" : "http://127.0.0.1:") + PORTS.get(listener) + "/");
        Curl c = Curl.run(args.toArray(new String[0]));
        return c.status() + " " + c.text();
    }

    @Test
    void eachRequestTakesTheRouteItsCertificateFits() throws Exception {
        assertEquals("200 validated", get("verify", "client"));
        assertEquals("200 none", get("verify", null));
        assertEquals("200 presented", get("untrusted", "stranger"), "accepted, never validated");
        assertEquals("200 none", get("plain", null), "plaintext: neither presented nor validated");
    }

    /**
     * allow_expired_certificate forgives a validity period on any certificate of the chain, not yet
     * begun or ended, as Envoy's ignoreCertificateExpirationCallback; without it they are refused.
     */
    @Test
    void allowExpiredCertificateForgivesEveryValidityPeriod() throws Exception {
        assertEquals("200 validated", get("expired", "future"), "a leaf not yet valid");
        assertEquals("200 validated", get("expired", "under-lapsed"), "an intermediate past its notAfter");
        assertEquals("200 validated", get("expired", "client"));
        for (String who : List.of("future", "under-lapsed")) {
            assertThrows(java.io.IOException.class, () -> get("verify", who), who);
        }
    }

    /**
     * A trust anchor past its notAfter, or before its notBefore, fails the chain as BoringSSL's
     * X509_verify_cert checks every certificate's time, the root's included (Java's PKIX does not),
     * counted in ssl.fail_verify_error; allow_expired_certificate forgives it as any other.
     */
    @Test
    void aTrustAnchorOutOfItsValidityPeriodFailsUnlessExpiryIsAllowed() throws Exception {
        String stat = "listener.127.0.0.1_" + PORTS.get("odd-roots") + ".ssl.fail_verify_error";
        double before = proxy.stat(stat);
        for (String who : List.of("of-lapsed-root", "of-future-root")) {
            assertThrows(java.io.IOException.class, () -> get("odd-roots", who), who);
            assertEquals("200 validated", get("odd-roots-allowed", who), who);
        }
        assertEquals(before + 2, proxy.stat(stat));
        assertEquals(0.0, proxy.stat("listener.127.0.0.1_" + PORTS.get("odd-roots-allowed") + ".ssl.fail_verify_error"));
        // Envoy's days until the first certificate expires are unknown with one expired (the lapsed root): 0.
        assertTrue(proxy.admin("/stats").contains("\nserver.days_until_first_cert_expiring: 0\n"));
    }

    /** require_sni: curl names server.test (SNI sent) or an IP (no SNI, so no certificate is chosen). */
    @Test
    void requireSniRefusesAHelloWithoutOne() throws Exception {
        assertEquals("200 none", get("sni", null));
        String cacert = certs.resolve("server-ca.pem").toString();
        java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> Curl.run("--cacert", cacert, "-k", "https://127.0.0.1:" + PORTS.get("sni") + "/"));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("SSL") || e.getMessage().contains("alert")
                || e.getMessage().contains("handshake"), e.getMessage());
        assertEquals("200 none", get("sni", null), "the listener still serves hellos that name it");
    }
}
