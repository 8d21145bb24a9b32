package io.remora.tls;

import io.remora.config.CertificateValidation;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Envoy's default certificate validator as a trust manager, so that a rejected peer fails the
 * handshake itself: the chain must lead to {@code trusted_ca} (with CRLs when given, expiry
 * honoured unless {@code allow_expired_certificate}), then some SAN must match one of
 * {@code match_typed_subject_alt_names}. Without a trusted CA the peer is not verified, as in
 * Envoy. Every rejection counts on {@link TlsStats} with Envoy's reason.
 */
final class PeerCertificateVerifier extends X509ExtendedTrustManager {
    /** Bound of {@link #validated}; past it the map starts over (a mesh sees few distinct chains). */
    private static final int VALIDATED_MAX = 256;

    private final Set<TrustAnchor> anchors;
    private final X509Certificate[] acceptedIssuers;
    private final CertStore crls;
    private final boolean onlyLeafCrl;
    private final boolean allowExpired;
    private final boolean acceptUntrusted;
    /** max_verify_depth: the certificates above the leaf, its trust anchor included. */
    private final int maxDepth;
    private final SanMatchers sans;
    private final CertificatePins pins;
    /** Upstream SAN list (filter state, auto_san_validation): the server's certificate must carry one of the peer host's. */
    private final boolean peerHostSan;
    /** Upstream enforce_rsa_key_usage: an RSA server certificate's keyUsage must allow what the cipher does with it. */
    private final boolean enforceRsaKeyUsage;
    private final TlsStats stats;
    /**
     * Chains that passed path validation (by their DER bytes) and until when that result holds.
     * A mesh peer presents the same chain on every connection; PKIX validation in Java (parsing,
     * a signature check, algorithm constraints) was the largest Java cost of a handshake. Only
     * when the result depends on nothing but the chain, the anchors and the clock: no CRLs (they
     * have their own validity), expiry not forgiven. Failures are never kept.
     */
    private final java.util.concurrent.ConcurrentHashMap<ChainKey, Long> validated;
    /** Path validations run (tests read it). */
    private final java.util.concurrent.atomic.LongAdder validations = new java.util.concurrent.atomic.LongAdder();

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
        this.sans = new SanMatchers(v.sanMatchers());
        this.pins = new CertificatePins(v.certificateHashes(), v.spkiHashes());
        this.onlyLeafCrl = v.onlyVerifyLeafCertCrl();
        this.allowExpired = v.allowExpiredCertificate();
        this.acceptUntrusted = v.acceptUntrusted();
        this.maxDepth = v.maxVerifyDepth();
        if (v.trustedCaPem() == null) {
            anchors = null;
            acceptedIssuers = new X509Certificate[0];
        } else {
            List<X509Certificate> cas = Pem.certificates(v.trustedCaPem());
            if (cas.isEmpty()) {
                throw new CertificateException("trusted_ca holds no certificate");
            }
            anchors = new HashSet<>();
            for (X509Certificate c : cas) {
                anchors.add(new TrustAnchor(c, null));
            }
            acceptedIssuers = cas.toArray(new X509Certificate[0]);
        }
        if (v.crlPem() != null) {
            Collection<X509CRL> list = Pem.crls(v.crlPem());
            crls = CertStore.getInstance("Collection", new CollectionCertStoreParameters(list));
        } else {
            crls = null;
        }
        validated = anchors != null && crls == null && !allowExpired && !acceptUntrusted
                ? new java.util.concurrent.ConcurrentHashMap<>() : null;
    }

    /** Whether this verifier asks anything of the peer at all (a client cert is requested then). */
    boolean verifies() {
        return anchors != null || !pins.isEmpty();
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
        return acceptedIssuers.clone();
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
        if (anchors == null && pins.isEmpty()) {
            return false;
        }
        if (anchors != null) {
            if (!acceptUntrusted && !validatedBefore(chain)) {
                try {
                    validatePath(chain);
                    remember(chain);
                } catch (GeneralSecurityException e) {
                    stats.failVerifyError();
                    throw new VerificationException(VerificationException.Reason.VERIFY_ERROR,
                            "certificate verify failed: " + reasonOf(e), e);
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

    /** Whether this exact chain passed validation before and the clock is still inside all its certificates' validity. */
    private boolean validatedBefore(X509Certificate[] chain) {
        if (validated == null) {
            return false;
        }
        ChainKey key = ChainKey.of(chain);
        Long until = key == null ? null : validated.get(key);
        return until != null && System.currentTimeMillis() < until;
    }

    /**
     * Keeps a validated chain until the first notAfter in it. Validation passed, so every
     * notBefore is already behind us; the trust anchors are fixed for this verifier's life.
     */
    private void remember(X509Certificate[] chain) {
        if (validated == null) {
            return;
        }
        ChainKey key = ChainKey.of(chain);
        if (key == null) {
            return;
        }
        long until = Long.MAX_VALUE;
        for (X509Certificate c : chain) {
            until = Math.min(until, c.getNotAfter().getTime());
        }
        if (validated.size() >= VALIDATED_MAX) {
            validated.clear();
        }
        validated.put(key, until);
    }

    long validations() {
        return validations.sum();
    }

    /** A chain by the DER bytes of its certificates (Netty's lazy certificates hand them out unparsed). */
    private static final class ChainKey {
        private final byte[][] der;
        private final int hash;

        private ChainKey(byte[][] der) {
            this.der = der;
            this.hash = Arrays.deepHashCode(der);
        }

        static ChainKey of(X509Certificate[] chain) {
            byte[][] der = new byte[chain.length][];
            try {
                for (int i = 0; i < chain.length; i++) {
                    der[i] = chain[i].getEncoded();
                }
            } catch (java.security.cert.CertificateEncodingException e) {
                return null; // not kept: validated every time
            }
            return new ChainKey(der);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ChainKey k && k.hash == hash && Arrays.deepEquals(k.der, der);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    private void validatePath(X509Certificate[] chain) throws GeneralSecurityException {
        validations.increment();
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        PKIXParameters params = new PKIXParameters(anchors);
        if (crls != null) {
            params.addCertStore(crls);
            params.setRevocationEnabled(true);
            if (onlyLeafCrl) {
                var checker = (java.security.cert.PKIXRevocationChecker) CertPathValidator.getInstance("PKIX")
                        .getRevocationChecker();
                checker.setOptions(Set.of(java.security.cert.PKIXRevocationChecker.Option.ONLY_END_ENTITY,
                        java.security.cert.PKIXRevocationChecker.Option.PREFER_CRLS,
                        java.security.cert.PKIXRevocationChecker.Option.NO_FALLBACK));
                params.addCertPathChecker(checker);
            }
        } else {
            params.setRevocationEnabled(false);
        }
        if (allowExpired) {
            // Validate as of a moment inside the leaf's validity: expiry alone is then forgiven.
            params.setDate(chain[0].getNotAfter().getTime() > System.currentTimeMillis()
                    ? new java.util.Date() : new java.util.Date(chain[0].getNotAfter().getTime() - 1000));
        }
        // Drop a trailing self-signed root the peer sent: PKIX wants the path up to an anchor.
        List<X509Certificate> path = new ArrayList<>(Arrays.asList(chain));
        while (path.size() > 1 && isSelfSigned(path.get(path.size() - 1))) {
            path.remove(path.size() - 1);
        }
        if (path.size() > maxDepth) {
            // Above the leaf: path.size() - 1 intermediates, then the anchor.
            throw new java.security.cert.CertPathValidatorException("max_verify_depth " + maxDepth
                    + " exceeded: " + path.size() + " certificates above the leaf");
        }
        CertPathValidator.getInstance("PKIX").validate(cf.generateCertPath(path), params);
    }

    private static boolean isSelfSigned(X509Certificate c) {
        return c.getSubjectX500Principal().equals(c.getIssuerX500Principal());
    }

    private static String reasonOf(GeneralSecurityException e) {
        Throwable t = e;
        while (t.getCause() != null) {
            if (t.getCause() instanceof CertificateExpiredException) {
                return "certificate has expired";
            }
            if (t.getCause() instanceof CertificateNotYetValidException) {
                return "certificate is not yet valid";
            }
            t = t.getCause();
        }
        if (e instanceof java.security.cert.CertPathValidatorException cpv) {
            if (cpv.getReason() == java.security.cert.CertPathValidatorException.BasicReason.EXPIRED) {
                return "certificate has expired";
            }
            if (cpv.getReason() == java.security.cert.CertPathValidatorException.BasicReason.REVOKED) {
                return "certificate revoked";
            }
            if (cpv.getReason() == java.security.cert.PKIXReason.NO_TRUST_ANCHOR) {
                return "unable to get local issuer certificate";
            }
        }
        return String.valueOf(e.getMessage());
    }
}
