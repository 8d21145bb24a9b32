package io.remora.xds.translate;

import io.remora.testing.TestCerts;
import io.remora.xds.bootstrap.BootstrapLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.remora.tls.Pem;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A listener's {@code DownstreamTlsContext} that cannot be honoured fails the config with its
 * field path (it must never serve plaintext or a weaker TLS than asked); what can be honoured loads.
 */
class TransportSocketTranslatorTest {

    static final String TS = "static_resources.listeners[0].filter_chains[0].transport_socket.typed_config";
    static final TestCerts.Leaf LEAF = TestCerts.ca("ca").issue("server", "spiffe://cluster.local/ns/a/sa/b");
    static final String CERTS = """
            tls_certificates:
            - certificate_chain: { inline_string: "%s" }
              private_key: { inline_string: "%s" }
            """.formatted(LEAF.certPem().replace("\n", "\\n"), LEAF.keyPem().replace("\n", "\\n"));

    static final String CA_PEM = LEAF.issuer().pem().replace("\n", "\\n");

    static String bootstrap(String tlsContext) {
        return """
                static_resources:
                  listeners:
                  - name: l
                    address: { socket_address: { address: 127.0.0.1, port_value: 10000 } }
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.tcp_proxy
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                          stat_prefix: t
                          cluster: c
                      transport_socket:
                        name: envoy.transport_sockets.tls
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
                %s
                  clusters:
                  - name: c
                    type: STATIC
                    load_assignment:
                      cluster_name: c
                      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 1 } } } }] }]
                """.formatted(tlsContext.indent(10).stripTrailing());
    }

    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of("no certificate", "common_tls_context: {}", TS + ".common_tls_context", "needs tls_certificates"),
                Arguments.of("client certificate required without a CA", "require_client_certificate: true\n"
                        + "common_tls_context:\n" + CERTS.indent(2), TS + ".require_client_certificate", "validation context"),
                Arguments.of("session ticket key of the wrong length", "session_ticket_keys: { keys: [{ inline_string: "
                        + "\"" + "k".repeat(80) + "\" }, { inline_string: x }] }\n" + "common_tls_context:\n" + CERTS.indent(2),
                        TS + ".session_ticket_keys.keys[1]",
                        "Incorrect TLS session ticket key length. Length 1, expected length 80."),
                Arguments.of("no session ticket keys", "session_ticket_keys: {}\n" + "common_tls_context:\n"
                        + CERTS.indent(2), TS + ".session_ticket_keys.keys", "at least one"),
                Arguments.of("negative session timeout", "session_timeout: -1s\n" + "common_tls_context:\n"
                        + CERTS.indent(2), TS + ".session_timeout", "at least 0s"),
                Arguments.of("encrypted key without a password", "common_tls_context:\n  tls_certificates:\n"
                        + "  - certificate_chain: { inline_string: \"" + LEAF.certPem().replace("\n", "\\n") + "\" }\n"
                        + "    private_key: { inline_string: \"-----BEGIN ENCRYPTED PRIVATE KEY-----\\nMA==\\n"
                        + "-----END ENCRYPTED PRIVATE KEY-----\\n\" }\n",
                        TS + ".common_tls_context.tls_certificates[0].private_key", "no password"),
                Arguments.of("pkcs12 beside a certificate chain", "common_tls_context:\n  tls_certificates:\n"
                        + "  - certificate_chain: { inline_string: x }\n    pkcs12: { inline_bytes: MA== }\n",
                        TS + ".common_tls_context.tls_certificates[0]", "can't have both pkcs12 and certificate_chain"),
                Arguments.of("pkcs12 that does not parse", "common_tls_context:\n  tls_certificates:\n"
                        + "  - pkcs12: { inline_bytes: MA== }\n    password: { inline_string: x }\n",
                        TS + ".common_tls_context.tls_certificates[0].pkcs12", "Failed to load pkcs12"),
                Arguments.of("SAN matcher without a trusted CA", "common_tls_context:\n" + CERTS.indent(2)
                        + "  validation_context:\n    match_typed_subject_alt_names: [{ san_type: URI, matcher: { exact: x } }]\n",
                        TS + ".common_tls_context.validation_context", "without trusted CA"),
                Arguments.of("max_verify_depth 0", "common_tls_context:\n" + CERTS.indent(2)
                        + "  validation_context: { trusted_ca: { inline_string: x }, max_verify_depth: 0 }\n",
                        TS + ".common_tls_context.validation_context.max_verify_depth", "at least 1"),
                Arguments.of("certificate hash not SHA-256", "common_tls_context:\n" + CERTS.indent(2)
                        + "  validation_context: { verify_certificate_hash: [ \"AB:CD\" ] }\n",
                        TS + ".common_tls_context.validation_context.verify_certificate_hash[0]", "Invalid hex-encoded"),
                Arguments.of("SPKI pin not base64", "common_tls_context:\n" + CERTS.indent(2)
                        + "  validation_context: { verify_certificate_spki: [ \"!!\" ] }\n",
                        TS + ".common_tls_context.validation_context.verify_certificate_spki[0]", "Invalid base64-encoded"),
                Arguments.of("minimum version above maximum", "common_tls_context:\n" + CERTS.indent(2)
                        + "  tls_params: { tls_minimum_protocol_version: TLSv1_3, tls_maximum_protocol_version: TLSv1_2 }\n",
                        TS + ".common_tls_context.tls_params", "above"),
                Arguments.of("unknown ECDH curve", "common_tls_context:\n" + CERTS.indent(2)
                        + "  tls_params: { ecdh_curves: [X25519, P-999] }\n",
                        TS + ".common_tls_context.tls_params.ecdh_curves[1]", "Failed to initialize ECDH curves X25519:P-999"),
                Arguments.of("unknown cipher suite", "common_tls_context:\n" + CERTS.indent(2)
                        + "  tls_params: { cipher_suites: [\"[ECDHE-RSA-AES128-GCM-SHA256|NO-SUCH-CIPHER]\", \"!aNULL\"] }\n",
                        TS + ".common_tls_context.tls_params.cipher_suites", "Failed to initialize cipher suites"
                        + " [ECDHE-RSA-AES128-GCM-SHA256|NO-SUCH-CIPHER]:!aNULL. The following ciphers were rejected when"
                        + " tried individually: NO-SUCH-CIPHER"),
                Arguments.of("combined validation without its SDS secret", "common_tls_context:\n" + CERTS.indent(2)
                        + "  combined_validation_context: { default_validation_context: {} }\n",
                        TS + ".common_tls_context.combined_validation_context.validation_context_sds_secret_config",
                        "required"),
                Arguments.of("certificate provider", "common_tls_context:\n" + CERTS.indent(2)
                        + "  tls_certificate_provider_instance: { instance_name: x }\n", TS + ".common_tls_context",
                        "certificate provider"),
                Arguments.of("FIPS compliance policy", "common_tls_context:\n" + CERTS.indent(2)
                        + "  tls_params: { compliance_policies: [FIPS_202205] }\n",
                        TS + ".common_tls_context.tls_params.compliance_policies", "compliance_policies is not supported"),
                Arguments.of("SCT list to send", "common_tls_context:\n" + CERTS.indent(2)
                        + "    signed_certificate_timestamp: [{ inline_bytes: MA== }]\n",
                        TS + ".common_tls_context.tls_certificates[0].signed_certificate_timestamp", "not supported"),
                Arguments.of("SCTs required of the peer", "common_tls_context:\n" + CERTS.indent(2)
                        + "  validation_context: { trusted_ca: { inline_string: \"" + CA_PEM + "\" },"
                        + " require_signed_certificate_timestamp: true }\n",
                        TS + ".common_tls_context.validation_context.require_signed_certificate_timestamp",
                        "not supported"),
                Arguments.of("key log without a path", "common_tls_context:\n" + CERTS.indent(2)
                        + "  key_log: { local_address_range: [{ address_prefix: 127.0.0.1, prefix_len: 32 }] }\n",
                        TS + ".common_tls_context.key_log.path", "path is required"),
                Arguments.of("watched directory without a path", "common_tls_context:\n" + CERTS.indent(2)
                        + "    watched_directory: {}\n",
                        TS + ".common_tls_context.tls_certificates[0].watched_directory.path", "path is required"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void refusesWithThePath(String name, String tls, String path, String message) {
        TranslationException e = assertThrows(TranslationException.class,
                () -> new BootstrapLoader().loadString(bootstrap(tls), "tls.yaml"));
        assertEquals(path, e.path(), e.getMessage());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void unknownTransportSocketIsRefused() {
        String yaml = bootstrap("").replace(
                "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext",
                "type.googleapis.com/envoy.extensions.transport_sockets.alts.v3.Alts");
        TranslationException e = assertThrows(TranslationException.class,
                () -> new BootstrapLoader().loadString(yaml, "tls.yaml"));
        assertEquals(TS, e.path());
        assertTrue(e.getMessage().contains("unsupported downstream transport socket"), e.getMessage());
    }

    /** Envoy: the system's roots stand in only where no trusted_ca is given. */
    @Test
    void systemRootCertsTrustTheJdkRootsUnlessATrustedCaIsGiven() throws Exception {
        var tmf = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        tmf.init((java.security.KeyStore) null);
        var jdkRoots = List.of(((javax.net.ssl.X509TrustManager) tmf.getTrustManagers()[0]).getAcceptedIssuers());
        var alone = validation("{ system_root_certs: {} }");
        List<X509Certificate> roots = Pem.certificates(alone.trustedCaPem());
        assertTrue(roots.size() > 10, "the JDK's roots: " + roots.size());
        assertEquals(new java.util.HashSet<>(jdkRoots), new java.util.HashSet<>(roots));
        var withCa = validation("{ system_root_certs: {}, trusted_ca: { inline_string: \"" + CA_PEM + "\" } }");
        assertEquals(List.of(LEAF.issuer().cert()), Pem.certificates(withCa.trustedCaPem()));
    }

    private static io.remora.config.CertificateValidation validation(String context) {
        var b = new BootstrapLoader().loadString(bootstrap("common_tls_context:\n" + CERTS.indent(2)
                + "  validation_context: " + context + "\n"), "tls.yaml");
        return b.model().listeners().get(0).filterChains().get(0).transportSocket().validation();
    }

    @Test
    void istioShapedContextLoads() {
        String yaml = bootstrap("""
                require_client_certificate: true
                disable_stateless_session_resumption: true
                common_tls_context:
                  alpn_protocols: [h2, http/1.1, istio-peer-exchange, istio]
                  tls_params: { tls_minimum_protocol_version: TLSv1_2, cipher_suites: [ECDHE-ECDSA-AES256-GCM-SHA384] }
                  tls_certificate_sds_secret_configs: [{ name: default, sds_config: { ads: {} } }]
                  combined_validation_context:
                    default_validation_context:
                      match_typed_subject_alt_names: [{ san_type: URI, matcher: { prefix: "spiffe://cluster.local/" } }]
                    validation_context_sds_secret_config: { name: ROOTCA, sds_config: { ads: {} } }
                """);
        assertNotNull(new BootstrapLoader().loadString(yaml, "tls.yaml"));
    }

    private static final String BAD_SECRET = """
              secrets:
              - name: good
                validation_context: { trusted_ca: { inline_string: "%s" } }
              - name: broken
                tls_certificate:
                  certificate_chain: { inline_string: "-----BEGIN CERTIFICATE-----\\nnot base64\\n-----END CERTIFICATE-----\\n" }
                  private_key: { inline_string: "x" }
            """.formatted(CA_PEM);

    /** Envoy stores static secrets unread (addStaticSecret): one nothing uses cannot fail the config. */
    @Test
    void unusedStaticSecretThatDoesNotParseIsAccepted() {
        String yaml = bootstrap("common_tls_context:\n" + CERTS.indent(2)
                + "  validation_context_sds_secret_config: { name: good }\n") + BAD_SECRET;
        assertNotNull(new BootstrapLoader().loadString(yaml, "tls.yaml"));
    }

    /** ...and the TLS context that uses it fails, as Envoy's context config does when it loads the certificate. */
    @Test
    void contextUsingAStaticSecretThatDoesNotParseIsRefused() {
        String yaml = bootstrap("common_tls_context:\n"
                + "  tls_certificate_sds_secret_configs: [{ name: broken }]\n") + BAD_SECRET;
        var e = assertThrows(TranslationException.class, () -> new BootstrapLoader().loadString(yaml, "tls.yaml"));
        assertEquals(TS + ".common_tls_context.tls_certificate_sds_secret_configs[0]", e.path(), e.getMessage());
        assertTrue(e.reason().contains("static secret 'broken' does not load: static_resources.secrets[1]"
                + ".tls_certificate.certificate_chain"), e.reason());
    }
}
