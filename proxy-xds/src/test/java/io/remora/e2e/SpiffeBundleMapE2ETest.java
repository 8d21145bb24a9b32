package io.remora.e2e;

import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.translate.TranslationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The SPIFFE validator's {@code trust_bundles}, a SPIFFE bundle map (JSON: {@code trust_domains}, each
 * with {@code keys} of {@code use: x509-svid} and their {@code x5c} DER certificates), as Envoy's
 * spiffe_validator.cc reads it: CAs and SVIDs made by openssl for two trust domains, openssl s_client
 * as the peer. An SVID of either domain is served; one of a domain not in the map, or one naming a
 * domain of the map but signed by the other domain's CA, is refused ({@code ssl.fail_verify_error});
 * {@code trust_domains} beside the map is not read. A malformed map refuses the config at
 * {@code trust_bundles} with Envoy's message.
 */
class SpiffeBundleMapE2ETest {

    private static final String BUNDLE_PATH = "static_resources.listeners[0].filter_chains[0].transport_socket"
            + ".typed_config.common_tls_context.validation_context.custom_validator_config.typed_config.trust_bundles";

    @TempDir
    Path dir;

    private void openssl(String... args) throws Exception {
        OpenSslCli.run(dir, args);
    }

    private void ca(String name) throws Exception {
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                name + "-key.pem", "-out", name + ".pem", "-subj", "/CN=" + name, "-days", "2");
    }

    /** A leaf of the CA named, its SAN the one given (a URI when it starts with spiffe://). */
    private void leaf(String name, String ca, String san) throws Exception {
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                name + "-key.pem", "-out", name + ".csr", "-subj", "/CN=" + name);
        Files.writeString(dir.resolve(name + ".ext"), "basicConstraints = CA:FALSE\nkeyUsage = digitalSignature\n"
                + "subjectAltName = " + (san.startsWith("spiffe://") ? "URI:" : "DNS:") + san + "\n");
        openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey", ca + "-key.pem",
                "-CAcreateserial", "-days", "2", "-extfile", name + ".ext", "-out", name + "-cert.pem");
    }

    /** The base64 DER of a PEM certificate file, as a bundle map's x5c holds it. */
    private String x5c(String ca) throws Exception {
        String pem = Files.readString(dir.resolve(ca + ".pem"));
        String body = pem.substring(pem.indexOf("-----\n") + 6, pem.indexOf("-----END")).replaceAll("\\s", "");
        return Base64.getEncoder().encodeToString(Base64.getDecoder().decode(body));
    }

    private static String key(String x5c) {
        return "{ \"kty\": \"EC\", \"use\": \"x509-svid\", \"x5c\": [\"" + x5c + "\"] }";
    }

    private String tls(Path bundles) {
        // trust_domains would refuse cluster.local's SVIDs (its bundle is other.test's CA): Envoy reads
        // trust_bundles only when it is set.
        return """
                common_tls_context:
                %s  validation_context:
                    custom_validator_config:
                      name: envoy.tls.cert_validator.spiffe
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.SPIFFECertValidatorConfig
                        trust_domains:
                        - { name: cluster.local, trust_bundle: { filename: "%s" } }
                        trust_bundles: { filename: "%s" }
                """.formatted(TlsOptionsE2ETest.serverCert(dir), dir.resolve("other-ca.pem"), bundles);
    }

    @Test
    void eachTrustDomainOfTheMapValidatesItsOwnSvids() throws Exception {
        ca("local-ca");
        ca("other-ca");
        ca("stranger-ca");
        Files.copy(dir.resolve("local-ca.pem"), dir.resolve("server-ca.pem"));
        leaf("server", "local-ca", "server.test");
        leaf("local", "local-ca", "spiffe://cluster.local/ns/a/sa/x");
        leaf("other", "other-ca", "spiffe://other.test/ns/b/sa/y");
        leaf("stranger", "stranger-ca", "spiffe://stranger.test/ns/c/sa/z");
        leaf("forged", "other-ca", "spiffe://cluster.local/ns/a/sa/x");
        Path bundles = dir.resolve("bundles.json");
        Files.writeString(bundles, """
                {
                  "trust_domains": {
                    "cluster.local": { "spiffe_sequence": 3, "keys": [ %s ] },
                    "other.test": { "spiffe_sequence": 7, "keys": [ %s ] }
                  }
                }
                """.formatted(key(x5c("local-ca")), key(x5c("other-ca"))));

        int port = ProxyProcess.freePort();
        int admin = ProxyProcess.freePort();
        String yaml = """
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                static_resources:
                  listeners:
                %s""".formatted(admin, TlsOptionsE2ETest.listener("map", port, tls(bundles)).indent(2));
        try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
            assertServed(true, port, "local");
            assertServed(true, port, "other");
            assertEquals(2.0, TlsOptionsE2ETest.stat(proxy, "envoy_listener_ssl_handshake", port));
            assertEquals(0.0, TlsOptionsE2ETest.stat(proxy, "envoy_listener_ssl_fail_verify_error", port));

            assertServed(false, port, "stranger");
            assertServed(false, port, "forged");
            assertEquals(2.0, TlsOptionsE2ETest.stat(proxy, "envoy_listener_ssl_fail_verify_error", port));
            assertEquals(2.0, TlsOptionsE2ETest.stat(proxy, "envoy_listener_ssl_handshake", port));
        }
    }

    private void assertServed(boolean served, int port, String who) throws Exception {
        String out = TlsOptionsE2ETest.sClient(port, dir, who);
        assertEquals(served, out.contains("ok-map"), who + ": " + out);
    }

    @Test
    void aMalformedBundleMapIsRefusedWithEnvoysMessage() throws Exception {
        ca("local-ca");
        leaf("server", "local-ca", "server.test");
        String good = x5c("local-ca");
        assertRefused("{ \"trust_domains\": ", "Invalid JSON found in SPIFFE bundle");
        assertRefused("{ \"trust_domains\": {} }", "No trust domains found in SPIFFE bundle");
        assertRefused("{ \"spiffe_sequence\": 1 }", "No trust domains found in SPIFFE bundle");
        assertRefused("{ \"trust_domains\": { \"a.test\": { \"keys\": [] } } }",
                "No keys found in SPIFFE bundle for domain 'a.test'");
        assertRefused("{ \"trust_domains\": { \"a.test\": { \"keys\": [ { \"kty\": \"EC\", \"x5c\": [\"" + good
                + "\"] } ] } } }", "missing or invalid 'use' field found in cert for domain 'a.test'");
        assertRefused("{ \"trust_domains\": { \"a.test\": { \"keys\": [ { \"use\": \"jwt-svid\", \"x5c\": [\"" + good
                + "\"] } ] } } }", "missing or invalid 'use' field found in cert for domain 'a.test'");
        assertRefused("{ \"trust_domains\": { \"a.test\": { \"keys\": [ { \"use\": \"x509-svid\" } ] } } }",
                "missing or empty 'x5c' field found in keys for domain: 'a.test'");
        assertRefused("{ \"trust_domains\": { \"a.test\": { \"keys\": [ " + key("dGhpc2lzbm90YWNlcnQ=") + " ] } } }",
                "Invalid x509 object in certs for domain 'a.test'");
        assertRefused("{ \"trust_domains\": { \"a.test\": { \"keys\": [ " + key("!!") + " ] } } }",
                "Failed to create x509 object while loading certs in domain 'a.test'");
    }

    private void assertRefused(String json, String message) throws Exception {
        Path bundles = dir.resolve("bad.json");
        Files.writeString(bundles, json);
        TranslationException e = assertThrows(TranslationException.class, () -> new BootstrapLoader().loadString(
                "static_resources:\n  listeners:\n" + TlsOptionsE2ETest.listener("l", 1, tls(bundles)).indent(2),
                "bundles.yaml"), json);
        assertEquals(BUNDLE_PATH, e.path(), json);
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }
}
