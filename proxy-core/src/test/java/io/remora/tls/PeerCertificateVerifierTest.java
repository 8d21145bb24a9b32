package io.remora.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.remora.config.CertificateValidation;
import io.remora.testing.TestCerts;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The verifier's memory of validated chains never changes an answer, only how often PKIX runs. */
class PeerCertificateVerifierTest {
    private static final TestCerts.Ca CA = TestCerts.ca("verifier-ca");

    private static PeerCertificateVerifier verifier(String caPem, String crlPem, boolean allowExpired) throws Exception {
        return new PeerCertificateVerifier(CertificateValidation.builder().trustedCaPem(caPem).crlPem(crlPem)
                .allowExpiredCertificate(allowExpired).build(),
                TlsStats.none());
    }

    private static X509Certificate[] chain(TestCerts.Leaf leaf) {
        return new X509Certificate[] {leaf.cert()};
    }

    @Test
    void aChainSeenAgainIsNotValidatedAgain() throws Exception {
        PeerCertificateVerifier v = verifier(CA.pem(), null, false);
        TestCerts.Leaf a = CA.issue("a", "spiffe://cluster.local/ns/x/sa/a");
        TestCerts.Leaf b = CA.issue("b", "spiffe://cluster.local/ns/x/sa/b");
        v.checkClientTrusted(chain(a), "EC");
        v.checkClientTrusted(chain(a), "EC");
        v.checkClientTrusted(chain(a), "EC");
        assertEquals(1, v.validations());
        v.checkClientTrusted(chain(b), "EC"); // another chain: validated on its own
        assertEquals(2, v.validations());
    }

    @Test
    void aRejectedChainIsRejectedEveryTime() throws Exception {
        PeerCertificateVerifier v = verifier(CA.pem(), null, false);
        TestCerts.Leaf stranger = TestCerts.ca("other-ca").issue("s");
        for (int i = 0; i < 3; i++) {
            assertThrows(VerificationException.class, () -> v.checkClientTrusted(chain(stranger), "EC"));
        }
        assertEquals(3, v.validations());
    }

    @Test
    void aRememberedChainExpiresWithItsCertificate() throws Exception {
        PeerCertificateVerifier v = verifier(CA.pem(), null, false);
        TestCerts.Leaf shortLived = CA.issue("short", Instant.now().minus(Duration.ofMinutes(1)),
                Instant.now().plusMillis(1500));
        v.checkClientTrusted(chain(shortLived), "EC");
        Thread.sleep(2000);
        VerificationException e = assertThrows(VerificationException.class,
                () -> v.checkClientTrusted(chain(shortLived), "EC"));
        assertTrue(e.getMessage().contains("expired"), e.getMessage());
        assertEquals(2, v.validations());
    }

    @Test
    void withCrlsOrForgivenExpiryEveryHandshakeValidates() throws Exception {
        TestCerts.Leaf a = CA.issue("a");
        for (PeerCertificateVerifier v : List.of(verifier(CA.pem(), CA.crl(), false), verifier(CA.pem(), null, true))) {
            v.checkClientTrusted(chain(a), "EC");
            v.checkClientTrusted(chain(a), "EC");
            assertEquals(2, v.validations());
        }
    }

    /** max_verify_depth counts the certificates above the leaf, the trust anchor included. */
    @Test
    void maxVerifyDepth() throws Exception {
        TestCerts.Ca intermediate = CA.intermediate("verifier-intermediate");
        TestCerts.Leaf leaf = intermediate.issue("deep", "spiffe://cluster.local/ns/x/sa/deep");
        X509Certificate[] withIntermediate = {leaf.cert(), intermediate.cert()};
        X509Certificate[] withRootToo = {leaf.cert(), intermediate.cert(), CA.cert()};
        new PeerCertificateVerifier(CertificateValidation.builder().trustedCaPem(CA.pem()).maxVerifyDepth(2).build(),
                TlsStats.none()).checkClientTrusted(withIntermediate, "EC");
        new PeerCertificateVerifier(CertificateValidation.builder().trustedCaPem(CA.pem()).maxVerifyDepth(2).build(),
                TlsStats.none()).checkClientTrusted(withRootToo, "EC");
        PeerCertificateVerifier shallow = new PeerCertificateVerifier(
                CertificateValidation.builder().trustedCaPem(CA.pem()).maxVerifyDepth(1).build(), TlsStats.none());
        VerificationException e = assertThrows(VerificationException.class,
                () -> shallow.checkClientTrusted(withIntermediate, "EC"));
        assertTrue(e.getMessage().contains("max_verify_depth"), e.getMessage());
        shallow.checkClientTrusted(chain(CA.issue("direct")), "EC");
    }

    /** verify_certificate_hash / _spki: either list's pin passes the leaf; with a CA, both must hold. */
    @Test
    void pinsByHashOrSpki() throws Exception {
        TestCerts.Leaf pinned = CA.issue("pinned");
        TestCerts.Leaf other = CA.issue("other");
        String hash = java.util.HexFormat.of().formatHex(
                java.security.MessageDigest.getInstance("SHA-256").digest(pinned.cert().getEncoded()));
        String spki = java.util.Base64.getEncoder().encodeToString(
                java.security.MessageDigest.getInstance("SHA-256").digest(pinned.cert().getPublicKey().getEncoded()));
        for (CertificateValidation.Builder b : List.of(
                CertificateValidation.builder().certificateHashes(List.of(hash)),
                CertificateValidation.builder().spkiHashes(List.of(spki)),
                CertificateValidation.builder().certificateHashes(List.of("00".repeat(32))).spkiHashes(List.of(spki)),
                CertificateValidation.builder().trustedCaPem(CA.pem()).certificateHashes(List.of(hash)))) {
            PeerCertificateVerifier v = new PeerCertificateVerifier(b.build(), TlsStats.none());
            assertTrue(v.verifies(), "a pin alone asks for the peer's certificate");
            v.checkClientTrusted(chain(pinned), "EC");
            VerificationException e = assertThrows(VerificationException.class,
                    () -> v.checkClientTrusted(chain(other), "EC"));
            assertEquals(VerificationException.Reason.CERT_HASH, e.reason());
        }
        TestCerts.Ca stranger = TestCerts.ca("stranger");
        TestCerts.Leaf foreign = stranger.issue("pinned-elsewhere");
        String foreignHash = java.util.HexFormat.of().formatHex(
                java.security.MessageDigest.getInstance("SHA-256").digest(foreign.cert().getEncoded()));
        PeerCertificateVerifier both = new PeerCertificateVerifier(CertificateValidation.builder()
                .trustedCaPem(CA.pem()).certificateHashes(List.of(foreignHash)).build(), TlsStats.none());
        assertEquals(VerificationException.Reason.VERIFY_ERROR, assertThrows(VerificationException.class,
                () -> both.checkClientTrusted(chain(foreign), "EC")).reason(), "a pin does not replace the CA");
        new PeerCertificateVerifier(CertificateValidation.builder().certificateHashes(List.of(hash))
                .acceptUntrusted(true).build(), TlsStats.none()).checkClientTrusted(chain(other), "EC");
    }

    @Test
    void dnsNameMatchIsEnvoys() {
        assertTrue(SanMatchers.dnsNameMatch("a.example.com", "A.EXAMPLE.com"));
        assertTrue(SanMatchers.dnsNameMatch("a.example.com", "*.example.com"));
        assertTrue(SanMatchers.dnsNameMatch("api-1.example.com", "api*.example.com"));
        assertTrue(SanMatchers.dnsNameMatch("api.example.com", "api*.example.com"), "'*' may match nothing");
        assertFalse(SanMatchers.dnsNameMatch("a.b.example.com", "*.example.com"), "one label only");
        assertFalse(SanMatchers.dnsNameMatch("example.com", "*.example.com"));
        assertFalse(SanMatchers.dnsNameMatch("xn--a.example.com", "xn--*.example.com"), "not in an A-label");
        assertFalse(SanMatchers.dnsNameMatch("a.example.com", "a.*.com"));
    }
}
