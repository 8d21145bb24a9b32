package io.remora.tls;

import io.remora.config.CertificateValidation;

import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Envoy's SPIFFE certificate validator ({@code envoy.tls.cert_validator.spiffe}): the leaf must be
 * no CA and may not sign certificates or CRLs (X509-SVID leaf validation); the trust domain of its
 * first URI SAN ({@code spiffe://<domain>/...}) picks the bundle its chain must lead to, CRLs in
 * the bundle checked for every certificate; a leaf of another trust domain, or without one, is
 * refused. Each failure counts in {@code ssl.fail_verify_error}.
 */
final class SpiffeTrust {
    private static final String PREFIX = "spiffe://";

    private final Map<String, CaTrustStore> byDomain = new HashMap<>();
    private final X509Certificate[] acceptedIssuers;

    SpiffeTrust(CertificateValidation v) throws GeneralSecurityException {
        List<X509Certificate> all = new ArrayList<>();
        for (Map.Entry<String, String> e : v.spiffeTrustBundles().entrySet()) {
            String pem = e.getValue();
            CertificateValidation bundle = CertificateValidation.builder().trustedCaPem(pem)
                    .crlPem(pem.contains("-----BEGIN X509 CRL-----") ? pem : null)
                    .allowExpiredCertificate(v.allowExpiredCertificate()).maxVerifyDepth(v.maxVerifyDepth()).build();
            CaTrustStore store = new CaTrustStore(bundle);
            byDomain.put(e.getKey(), store);
            all.addAll(List.of(store.acceptedIssuers()));
        }
        acceptedIssuers = all.toArray(new X509Certificate[0]);
    }

    X509Certificate[] acceptedIssuers() {
        return acceptedIssuers.clone();
    }

    /** Throws, counted, when the SVID's chain does not lead to its trust domain's bundle. */
    void validate(X509Certificate[] chain, TlsStats stats) throws CertificateException {
        X509Certificate leaf = chain[0];
        boolean[] usage = leaf.getKeyUsage();
        boolean signs = usage != null && ((usage.length > 5 && usage[5]) || (usage.length > 6 && usage[6]));
        if (leaf.getBasicConstraints() >= 0 || signs) {
            stats.failVerifyError();
            throw new VerificationException(VerificationException.Reason.VERIFY_ERROR,
                    "verify cert failed: cert precheck", null);
        }
        CaTrustStore store = byDomain.get(trustDomain(leaf));
        if (store == null) {
            stats.failVerifyError();
            throw new VerificationException(VerificationException.Reason.VERIFY_ERROR,
                    "verify cert failed: no trust bundle store", null);
        }
        try {
            store.validate(chain);
        } catch (GeneralSecurityException e) {
            stats.failVerifyError();
            throw new VerificationException(VerificationException.Reason.VERIFY_ERROR,
                    "verify cert failed: " + CaTrustStore.reasonOf(e), e);
        }
    }

    /** The trust domain of the first URI SAN, as Envoy's extractTrustDomain; "" without one. */
    static String trustDomain(X509Certificate leaf) {
        try {
            Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
            for (List<?> san : sans == null ? List.<List<?>>of() : sans) {
                if (Integer.valueOf(6).equals(san.get(0))) {
                    String uri = String.valueOf(san.get(1));
                    if (!uri.startsWith(PREFIX)) {
                        return "";
                    }
                    int slash = uri.indexOf('/', PREFIX.length());
                    return slash < 0 ? "" : uri.substring(PREFIX.length(), slash);
                }
            }
        } catch (CertificateParsingException e) {
            return "";
        }
        return "";
    }
}
