package io.remora.tls;

import io.remora.config.CertificateValidation;

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
 * The trust store of a validation context with {@code trusted_ca} (BoringSSL's X509_STORE under
 * Envoy's default validator): a chain must lead to one of the CAs, checked against the CRLs when
 * given, the validity periods of its certificates honoured unless {@code allow_expired_certificate}
 * (then neither expiry nor not-yet-valid fails any of them, as in Envoy), no deeper than
 * {@code max_verify_depth}. What the leaf must carry besides (SANs, pins) is the verifier's.
 */
final class CaTrustStore {
    /** Bound of {@link #validated}; past it the map starts over (a mesh sees few distinct chains). */
    private static final int VALIDATED_MAX = 256;

    private final Set<TrustAnchor> anchors = new HashSet<>();
    private final X509Certificate[] acceptedIssuers;
    private final CertStore crls;
    private final boolean onlyLeafCrl;
    private final boolean allowExpired;
    /** max_verify_depth: the certificates above the leaf, its trust anchor included. */
    private final int maxDepth;
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

    /** @param v a validation context with a {@code trusted_ca} */
    CaTrustStore(CertificateValidation v) throws GeneralSecurityException {
        List<X509Certificate> cas = Pem.certificates(v.trustedCaPem());
        if (cas.isEmpty()) {
            throw new CertificateException("trusted_ca holds no certificate");
        }
        for (X509Certificate c : cas) {
            anchors.add(new TrustAnchor(c, null));
        }
        acceptedIssuers = cas.toArray(new X509Certificate[0]);
        if (v.crlPem() != null) {
            Collection<X509CRL> list = Pem.crls(v.crlPem());
            crls = CertStore.getInstance("Collection", new CollectionCertStoreParameters(list));
        } else {
            crls = null;
        }
        this.onlyLeafCrl = v.onlyVerifyLeafCertCrl();
        this.allowExpired = v.allowExpiredCertificate();
        this.maxDepth = v.maxVerifyDepth();
        validated = crls == null && !allowExpired ? new java.util.concurrent.ConcurrentHashMap<>() : null;
    }

    X509Certificate[] acceptedIssuers() {
        return acceptedIssuers.clone();
    }

    /** Throws when the chain does not lead to a trusted CA (see {@link #reasonOf} for Envoy's words). */
    void validate(X509Certificate[] chain) throws GeneralSecurityException {
        if (!validatedBefore(chain)) {
            X509Certificate anchor = validatePath(chain);
            remember(chain, anchor);
        }
    }

    long validations() {
        return validations.sum();
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
     * notBefore is already behind us; the trust anchors are fixed for this store's life.
     */
    private void remember(X509Certificate[] chain, X509Certificate anchor) {
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
        if (anchor != null) {
            until = Math.min(until, anchor.getNotAfter().getTime());
        }
        if (validated.size() >= VALIDATED_MAX) {
            validated.clear();
        }
        validated.put(key, until);
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

    /** Validates the chain; returns the trust anchor it leads to. */
    private X509Certificate validatePath(X509Certificate[] chain) throws GeneralSecurityException {
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
        // Drop a trailing self-signed root the peer sent: PKIX wants the path up to an anchor.
        List<X509Certificate> path = new ArrayList<>(Arrays.asList(chain));
        while (path.size() > 1 && isSelfSigned(path.get(path.size() - 1))) {
            path.remove(path.size() - 1);
        }
        if (allowExpired) {
            path.replaceAll(TimelessCertificate::new);
        }
        if (path.size() > maxDepth) {
            // Above the leaf: path.size() - 1 intermediates, then the anchor.
            throw new java.security.cert.CertPathValidatorException("max_verify_depth " + maxDepth
                    + " exceeded: " + path.size() + " certificates above the leaf");
        }
        var result = (java.security.cert.PKIXCertPathValidatorResult) CertPathValidator.getInstance("PKIX")
                .validate(cf.generateCertPath(path), params);
        X509Certificate anchor = result.getTrustAnchor().getTrustedCert();
        if (anchor != null && !allowExpired) {
            // BoringSSL's X509_verify_cert checks the root's validity period as every other's; PKIX does not.
            try {
                anchor.checkValidity();
            } catch (CertificateExpiredException | CertificateNotYetValidException e) {
                throw new java.security.cert.CertPathValidatorException("trust anchor " + anchor.getSubjectX500Principal()
                        + ": " + e.getMessage(), e);
            }
        }
        return anchor;
    }

    private static boolean isSelfSigned(X509Certificate c) {
        return c.getSubjectX500Principal().equals(c.getIssuerX500Principal());
    }

    /** A refusal in the words of BoringSSL's X509_verify_cert_error_string, as Envoy's details carry them. */
    static String reasonOf(GeneralSecurityException e) {
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
