package io.remora.e2e;

import io.remora.testing.TestCerts;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.translate.TranslationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Envoy's SPIFFE certificate validator ({@code envoy.tls.cert_validator.spiffe}) on a listener, with
 * openssl s_client presenting X509-SVIDs, as spiffe_validator_test and its integration test: a client
 * certificate is required; its first URI SAN's trust domain picks the bundle its chain must lead to,
 * so an SVID of one domain signed by another domain's CA, or of a domain not configured, is refused
 * ({@code ssl.fail_verify_error}); URI SAN matchers then apply ({@code ssl.fail_verify_san}), other
 * SAN types being ignored. A trust domain named twice refuses the config.
 */
class SpiffeValidatorE2ETest {

    @TempDir
    Path dir;

    private String tls(String sanMatchers) {
        return """
                common_tls_context:
                %s  validation_context:
                    %s
                    custom_validator_config:
                      name: envoy.tls.cert_validator.spiffe
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.SPIFFECertValidatorConfig
                        trust_domains:
                        - { name: cluster.local, trust_bundle: { filename: "%s" } }
                        - { name: other.test, trust_bundle: { filename: "%s" } }
                """.formatted(TlsOptionsE2ETest.serverCert(dir), sanMatchers, dir.resolve("local-ca.pem"),
                dir.resolve("other-ca.pem"));
    }

    @Test
    void theSvidsTrustDomainPicksItsBundle() throws Exception {
        TestCerts.Ca local = TestCerts.ca("local-ca");
        TestCerts.Ca other = TestCerts.ca("other-ca");
        Files.writeString(dir.resolve("local-ca.pem"), local.pem());
        Files.writeString(dir.resolve("other-ca.pem"), other.pem());
        local.issue("server", "server.test").write(dir, "server");
        Files.writeString(dir.resolve("server-ca.pem"), local.pem());
        local.issue("a", "spiffe://cluster.local/ns/a/sa/x").write(dir, "local-a");
        local.issue("b", "spiffe://cluster.local/ns/b/sa/x", "b.test").write(dir, "local-b");
        other.issue("o", "spiffe://other.test/ns/a/sa/y").write(dir, "other-a");
        other.issue("forged", "spiffe://cluster.local/ns/a/sa/x").write(dir, "forged");
        local.issue("stranger", "spiffe://unknown.test/ns/a/sa/x").write(dir, "stranger");
        local.issue("dns", "a.test").write(dir, "dns-only");

        int any = ProxyProcess.freePort();
        int nsA = ProxyProcess.freePort();
        int admin = ProxyProcess.freePort();
        String yaml = """
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                static_resources:
                  listeners:
                %s%s""".formatted(admin, TlsOptionsE2ETest.listener("any", any, tls("")).indent(2),
                TlsOptionsE2ETest.listener("ns-a", nsA, tls("match_typed_subject_alt_names: [{ san_type: URI,"
                        + " matcher: { prefix: \"spiffe://cluster.local/ns/a/\" } }, { san_type: DNS, matcher:"
                        + " { exact: b.test } }]")).indent(2));
        try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
            assertServed(true, any, "local-a");
            assertServed(true, any, "local-b");
            assertServed(true, any, "other-a");
            assertEquals(0.0, TlsOptionsE2ETest.stat(proxy, "envoy_listener_ssl_fail_verify_error", any));
            // An SVID of cluster.local signed by other.test's CA, one of a domain not configured, a
            // certificate without a SPIFFE ID, and none at all.
            assertServed(false, any, "forged");
            assertServed(false, any, "stranger");
            assertServed(false, any, "dns-only");
            assertEquals(3.0, TlsOptionsE2ETest.stat(proxy, "envoy_listener_ssl_fail_verify_error", any));
            assertServed(false, any, null);

            assertServed(true, nsA, "local-a");
            assertServed(false, nsA, "other-a");
            // Its DNS SAN b.test matches the DNS matcher, which the SPIFFE validator leaves out.
            assertServed(false, nsA, "local-b");
            assertEquals(0.0, TlsOptionsE2ETest.stat(proxy, "envoy_listener_ssl_fail_verify_error", nsA));
            assertEquals(2.0, TlsOptionsE2ETest.stat(proxy, "envoy_listener_ssl_fail_verify_san", nsA));
        }
    }

    private void assertServed(boolean served, int port, String who) throws Exception {
        String out = TlsOptionsE2ETest.sClient(port, dir, who);
        assertEquals(served, out.contains("ok-"), who + ": " + out);
    }

    @Test
    void aTrustDomainNamedTwiceIsRefused() throws Exception {
        TestCerts.Ca local = TestCerts.ca("local-ca");
        Files.writeString(dir.resolve("local-ca.pem"), local.pem());
        Files.writeString(dir.resolve("other-ca.pem"), local.pem());
        local.issue("server", "server.test").write(dir, "server");
        String twice = tls("").replace("name: other.test", "name: cluster.local");
        TranslationException e = assertThrows(TranslationException.class, () -> new BootstrapLoader()
                .loadString("static_resources:\n  listeners:\n" + TlsOptionsE2ETest.listener("l", 1, twice).indent(2),
                        "spiffe.yaml"));
        assertEquals("static_resources.listeners[0].filter_chains[0].transport_socket.typed_config.common_tls_context"
                + ".validation_context.custom_validator_config.typed_config.trust_domains[1]", e.path());
        assertTrue(e.getMessage().contains("Multiple trust bundles are given for one trust domain for cluster.local"),
                e.getMessage());
        assertFalse(e.getMessage().isEmpty());
    }
}
