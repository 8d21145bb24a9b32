package io.remora.e2e;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Several {@code tls_certificates} on one listener, chosen per client hello as Envoy's
 * DefaultTlsCertificateSelector chooses (ssl_socket_test's MultiCert* and SNI cases), with
 * openssl s_client as the client: the certificate whose DNS SANs (or, without a SAN extension, its
 * CN) name the SNI, exactly or by a {@code *.} wildcard one label deep, ECDSA before RSA when the
 * client's hello can take the ECDSA certificate's curve (TLS 1.3 signature algorithms; TLS 1.2
 * supported groups and an ECDSA cipher suite); without SNI, or with an SNI no certificate names and
 * {@code full_scan_certs_on_sni_mismatch}, the first certificate the client can take; an SNI no
 * certificate names without it, the first certificate.
 */
class CertificateSelectionE2ETest {

    @TempDir
    static Path dir;
    static ProxyProcess proxy;
    static int exact;
    static int scan;

    private static void openssl(String... args) throws Exception {
        OpenSslCli.run(dir, args);
    }

    /** A leaf of the CA with an RSA, P-256 or P-384 key, its CN the name, its SANs the DNS names given. */
    private static void leaf(String name, String key, String... dnsSans) throws Exception {
        List<String> keyArgs = switch (key) {
            case "rsa" -> List.of("-newkey", "rsa:2048");
            case "p256" -> List.of("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256");
            default -> List.of("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384");
        };
        List<String> req = new ArrayList<>(List.of("req"));
        req.addAll(keyArgs);
        req.addAll(List.of("-nodes", "-keyout", name + "-key.pem", "-out", name + ".csr", "-subj", "/CN=" + name));
        openssl(req.toArray(new String[0]));
        StringBuilder ext = new StringBuilder();
        if (dnsSans.length > 0) {
            ext.append("subjectAltName = ");
            for (int i = 0; i < dnsSans.length; i++) {
                ext.append(i == 0 ? "" : ",").append("DNS:").append(dnsSans[i]);
            }
            ext.append('\n');
        } else {
            ext.append("basicConstraints = CA:FALSE\n");
        }
        Files.writeString(dir.resolve(name + ".ext"), ext.toString());
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "server-ca.pem", "-CAkey", "ca-key.pem",
                "-CAcreateserial", "-days", "2", "-extfile", name + ".ext", "-out", name + "-cert.pem");
    }

    private static String certificates(String... names) {
        StringBuilder b = new StringBuilder("common_tls_context:\n  tls_certificates:\n");
        for (String n : names) {
            b.append("  - certificate_chain: { filename: \"").append(dir.resolve(n + "-cert.pem")).append("\" }\n")
                    .append("    private_key: { filename: \"").append(dir.resolve(n + "-key.pem")).append("\" }\n");
        }
        return b.toString();
    }

    @BeforeAll
    static void start() throws Exception {
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                "ca-key.pem", "-out", "server-ca.pem", "-subj", "/CN=selection-ca", "-days", "2");
        leaf("rsa-default", "rsa", "default.test");
        leaf("ecdsa-wild", "p256", "*.wild.test");
        leaf("rsa-wild", "rsa", "*.wild.test");
        leaf("cn.test", "p256");
        leaf("ecdsa-p384", "p384", "p384.test");
        leaf("ecdsa-dup", "p256", "a.wild.test", "dup.test");
        String certs = certificates("rsa-default", "ecdsa-wild", "rsa-wild", "cn.test", "ecdsa-p384", "ecdsa-dup");
        exact = ProxyProcess.freePort();
        scan = ProxyProcess.freePort();
        int admin = ProxyProcess.freePort();
        String yaml = """
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                static_resources:
                  listeners:
                %s%s""".formatted(admin,
                TlsOptionsE2ETest.listener("exact", exact, certs).indent(2),
                TlsOptionsE2ETest.listener("scan", scan, "full_scan_certs_on_sni_mismatch: true\n" + certs).indent(2));
        proxy = ProxyProcess.start(yaml, admin);
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
    }

    private static final Pattern LEAF = Pattern.compile("(?m)^ 0 s:\\s*CN\\s*=\\s*(\\S+)");

    /** The CN of the certificate the listener served to s_client with these options. */
    private static String served(int port, String... options) throws Exception {
        String out = TlsOptionsE2ETest.sClient(port, dir, null, options);
        Matcher m = LEAF.matcher(out);
        assertTrue(m.find() && out.contains("ok-"), out);
        return m.group(1);
    }

    private static final String[] RSA_ONLY_13 = {"-tls1_3", "-sigalgs", "rsa_pss_rsae_sha256:rsa_pss_rsae_sha384"};
    private static final String[] P256_ONLY_13 = {"-tls1_3", "-sigalgs", "ecdsa_secp256r1_sha256:rsa_pss_rsae_sha256"};

    @Test
    void theSniPicksTheCertificateNamingItEcdsaFirst() throws Exception {
        assertEquals("ecdsa-wild", served(exact, "-servername", "x.wild.test"));
        assertEquals("ecdsa-wild", served(exact, "-servername", "x.wild.test", "-tls1_2"));
        assertEquals("rsa-wild", served(exact, "-servername", "x.wild.test", RSA_ONLY_13[0], RSA_ONLY_13[1],
                RSA_ONLY_13[2]));
        // TLS 1.2: an ECDSA suite, but no curve of the certificate among the supported groups.
        assertEquals("rsa-wild", served(exact, "-servername", "x.wild.test", "-tls1_2", "-curves", "X25519",
                "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256"));
        // TLS 1.2: the curve, but no ECDSA suite.
        assertEquals("rsa-wild", served(exact, "-servername", "x.wild.test", "-tls1_2",
                "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"));
        // An exact name wins over a wildcard; the only certificate naming it is RSA, taken by an ECDSA client.
        assertEquals("ecdsa-dup", served(exact, "-servername", "a.wild.test"));
        assertEquals("rsa-default", served(exact, "-servername", "default.test"));
        // No SAN extension: the CN is the name.
        assertEquals("cn.test", served(exact, "-servername", "cn.test"));
        assertEquals("ecdsa-p384", served(exact, "-servername", "p384.test"));
    }

    @Test
    void anSniNoCertificateNamesGetsTheFirstCertificateUnlessFullScan() throws Exception {
        // A wildcard covers one label: neither deeper names nor the bare domain.
        assertEquals("rsa-default", served(exact, "-servername", "a.b.wild.test"));
        assertEquals("rsa-default", served(exact, "-servername", "wild.test"));
        assertEquals("rsa-default", served(exact, "-servername", "unknown.test"));
        // The certificate naming the SNI is P-384, the client takes P-256 only: no match, the first.
        assertEquals("rsa-default", served(exact, "-servername", "p384.test", P256_ONLY_13[0], P256_ONLY_13[1],
                P256_ONLY_13[2]));
        assertEquals("ecdsa-wild", served(scan, "-servername", "unknown.test"));
        assertEquals("rsa-default", served(scan, "-servername", "unknown.test", RSA_ONLY_13[0], RSA_ONLY_13[1],
                RSA_ONLY_13[2]));
        assertEquals("ecdsa-wild", served(scan, "-servername", "p384.test", P256_ONLY_13[0], P256_ONLY_13[1],
                P256_ONLY_13[2]));
    }

    @Test
    void withoutSniTheFirstCertificateTheClientTakes() throws Exception {
        assertEquals("ecdsa-wild", served(exact, "-noservername"));
        assertEquals("ecdsa-wild", served(scan, "-noservername", "-tls1_2"));
        assertEquals("rsa-default", served(exact, "-noservername", RSA_ONLY_13[0], RSA_ONLY_13[1], RSA_ONLY_13[2]));
        assertEquals("rsa-default", served(exact, "-noservername", "-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"));
    }
}
