package io.remora.tls;

import io.remora.config.CertificateValidation;
import io.remora.config.SanMatcher;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;

/**
 * Envoy's default certificate validator as a trust manager, so that a rejected peer fails the
 * handshake itself: the chain must lead to {@code trusted_ca} ({@link CaTrustStore}), then some
 * SAN must match one of {@code match_typed_subject_alt_names} and the pins the leaf. Without a
 * trusted CA the chain is not verified, as in Envoy. Every rejection counts on {@link TlsStats}
 * with Envoy's reason.
 */
final class PeerCertificateVerifier extends X509ExtendedTrustManager {
    /** Null without trusted_ca: the chain is then not verified, as in Envoy. */
    private final CaTrustStore trust;
    /** The SPIFFE validator, in place of trusted_ca, pins and trust_chain_verification; or null. */
    private final SpiffeTrust spiffe;
    private final boolean acceptUntrusted;
    private final SanMatchers sans;
    private final CertificatePins pins;
    /** Upstream SAN list (filter state, auto_san_validation): the server's certificate must carry one of the peer host's. */
    private final boolean peerHostSan;
    /** Upstream enforce_rsa_key_usage: an RSA server certificate's keyUsage must allow what the cipher does with it. */
    private final boolean enforceRsaKeyUsage;
    private final TlsStats stats;

    PeerCertificateVerifier(CertificateValidation v, TlsStats stats) throws GeneralSecurityException {
        this(v, stats, false);
    }

    PeerCertificateVerifier(CertificateValidation v, TlsStats stats, boolean peerHostSan)
            throws GeneralSecurityException {
        this(v, stats, peerHostSan, false);
    }

    PeerCertificateVerifier(CertificateValidation v, TlsStats stats, boolean peerHostSan, boolean enforceRsaKeyUsage)
            throws GeneralSecurityException {
        this.stats = stats;
        this.peerHostSan = peerHostSan;
        this.enforceRsaKeyUsage = enforceRsaKeyUsage;
        // Envoy's SPIFFE validator keeps the URI matchers only (SPIFFE leaves other SAN types open).
        this.sans = new SanMatchers(v.spiffe() ? v.sanMatchers().stream()
                .filter(m -> m.type() == SanMatcher.Type.URI || m.type() == SanMatcher.Type.ANY)
                .map(m -> new SanMatcher(SanMatcher.Type.URI, m.matcher())).toList() : v.sanMatchers());
        this.spiffe = v.spiffe() ? new SpiffeTrust(v) : null;
        this.pins = new CertificatePins(v.certificateHashes(), v.spkiHashes());
        this.acceptUntrusted = v.acceptUntrusted();
        this.trust = v.trustedCaPem() == null ? null : new CaTrustStore(v);
    }

    /** Whether this verifier asks anything of the peer at all (a client cert is requested then). */
    boolean verifies() {
        return trust != null || spiffe != null || !pins.isEmpty();
    }

    /** The SPIFFE validator always wants the peer's certificate (Envoy's SSL_VERIFY_FAIL_IF_NO_PEER_CERT). */
    boolean requiresPeerCertificate() {
        return spiffe != null;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        markValidated(engine, verify(chain));
    }

    /**
     * Envoy's peerCertificateValidated: the chain was checked against trusted CAs and passed,
     * recorded on the handshake session for {@link TlsConnection#peerCertificateValidated()}.
     */
    private static void markValidated(SSLEngine engine, boolean validated) {
        javax.net.ssl.SSLSession s = validated && engine != null ? engine.getHandshakeSession() : null;
        if (s != null) {
            try {
                s.putValue(TlsConnection.PEER_VALIDATED, Boolean.TRUE);
            } catch (UnsupportedOperationException | IllegalArgumentException e) {
                // a session that keeps no values: the peer counts as presented, not validated
            }
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        if (enforceRsaKeyUsage && chain != null && chain.length > 0) {
            checkRsaKeyUsage(chain[0], authType);
        }
        boolean validated = verify(chain);
        if (peerHostSan && engine != null && engine.getPeerHost() != null) {
            checkSanList(chain[0], engine.getPeerHost());
        }
        markValidated(engine, validated);
    }

    /**
     * Envoy's SAN list from transport socket options (filter state, auto_san_validation): a
     * connection carrying one verifies its peer (SSL_VERIFY_PEER) whatever the context says. A
     * context that verifies nothing installs none of Envoy's validation, so BoringSSL's own chain
     * check runs against an empty trust store and refuses every certificate; otherwise the leaf
     * must carry one of the names, and accept_untrusted lets a mismatch pass (still counted).
     */
    private void checkSanList(X509Certificate leaf, String peerHost) throws CertificateException {
        if (!verifies() && !acceptUntrusted) {
            throw new VerificationException(VerificationException.Reason.VERIFY_ERROR,
                    "certificate verify failed: unable to get local issuer certificate (a SAN list to verify"
                            + " and no trusted_ca)", null);
        }
        if (!hasAnyName(leaf, peerHost)) {
            stats.failVerifySan();
            if (!acceptUntrusted) {
                throw new VerificationException(VerificationException.Reason.SAN,
                        "certificate verify failed: verify SAN list, expected "
                                + peerHost.substring(1).replace(SAN_SEPARATOR, ','), null);
            }
        }
    }

    /**
     * Before and between the SANs of a list in an engine's peer host ({@link #sanPeerHost}): a
     * character that neither a header-made host nor a set_filter_state value (split on ',') can
     * hold, and that no SNI host name may carry, so the engine sends none of them as SNI (Envoy
     * sends only a configured or filter-set server name).
     */
    static final char SAN_SEPARATOR = '\0';

    /** The peer host an engine checking {@code sans} is made for (one of them must be the leaf's SAN). */
    static String sanPeerHost(java.util.List<String> sans) {
        return SAN_SEPARATOR + String.join(String.valueOf(SAN_SEPARATOR), sans);
    }

    /** Envoy's verifySubjectAltName: whether the leaf carries a SAN for one of the names in {@code peerHost}. */
    private static boolean hasAnyName(X509Certificate leaf, String peerHost) {
        for (String name : peerHost.split(String.valueOf(SAN_SEPARATOR), -1)) {
            if (!name.isEmpty() && SanMatchers.hasName(leaf, name)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        verify(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        verify(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        verify(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        verify(chain);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return spiffe != null ? spiffe.acceptedIssuers()
                : trust == null ? new X509Certificate[0] : trust.acceptedIssuers();
    }

    /**
     * BoringSSL's enforce_rsa_key_usage, independent of any validation context: with the RSA key
     * exchange the key encrypts the premaster secret (keyEncipherment); otherwise it signs the
     * handshake (digitalSignature). A certificate without a keyUsage extension allows both.
     */
    private static void checkRsaKeyUsage(X509Certificate leaf, String authType) throws CertificateException {
        boolean[] usage = leaf.getKeyUsage();
        if (usage == null || !"RSA".equals(leaf.getPublicKey().getAlgorithm())) {
            return;
        }
        boolean encipherment = "RSA".equals(authType);
        if (!(encipherment ? usage.length > 2 && usage[2] : usage.length > 0 && usage[0])) {
            throw new CertificateException("KEY_USAGE_BIT_INCORRECT: the server's RSA certificate does not allow "
                    + (encipherment ? "keyEncipherment" : "digitalSignature"));
        }
    }

    /** Throws when the chain is refused; true when it was checked against trusted CAs or pins and passed. */
    private boolean verify(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length == 0) {
            stats.failVerifyNoCert();
            throw new CertificateException("peer presented no certificate");
        }
        if (spiffe != null) {
            spiffe.validate(chain, stats);
            if (!sans.isEmpty() && !sans.matches(chain[0])) {
                stats.failVerifySan();
                throw new VerificationException(VerificationException.Reason.SAN,
                        "verify cert failed: SAN match", null);
            }
            return true;
        }
        if (trust == null && pins.isEmpty()) {
            return false;
        }
        if (trust != null) {
            if (!acceptUntrusted) {
                try {
                    trust.validate(chain);
                } catch (GeneralSecurityException e) {
                    stats.failVerifyError();
                    throw new VerificationException(VerificationException.Reason.VERIFY_ERROR,
                            "certificate verify failed: " + CaTrustStore.reasonOf(e), e);
                }
            }
            if (!sans.isEmpty() && !sans.matches(chain[0])) {
                stats.failVerifySan();
                throw new VerificationException(VerificationException.Reason.SAN,
                        "certificate verify failed: SAN matcher", null);
            }
        }
        if (!pins.isEmpty() && !pins.matches(chain[0])) {
            stats.failVerifyCertHash();
            // Envoy counts the mismatch even when untrusted chains are accepted.
            if (!acceptUntrusted) {
                throw new VerificationException(VerificationException.Reason.CERT_HASH,
                        "certificate verify failed: cert hash and spki", null);
            }
        }
        return !acceptUntrusted;
    }

    long validations() {
        return trust == null ? 0 : trust.validations();
    }
}
