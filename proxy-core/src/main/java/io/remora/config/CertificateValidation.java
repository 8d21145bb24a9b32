package io.remora.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code extensions.transport_sockets.tls.v3.CertificateValidationContext}: what a peer's
 * certificate must satisfy. Without a trusted CA or a pin the peer is not verified (Envoy's rule;
 * the translator refuses SAN matchers without a CA).
 *
 * @param trustedCaPem          PEM of the trust anchors, or null
 * @param crlPem                PEM CRLs, or null
 * @param sanMatchers           some SAN of the leaf must match one of these (empty: any)
 * @param acceptUntrusted       {@code trust_chain_verification: ACCEPT_UNTRUSTED}
 * @param certificateHashes     {@code verify_certificate_hash}: SHA-256 of the leaf's DER, lower-case hex
 * @param spkiHashes            {@code verify_certificate_spki}: SHA-256 of the leaf's SubjectPublicKeyInfo,
 *                              base64; with hashes, the leaf must match one pin of either list
 * @param spiffeTrustBundles    the SPIFFE validator's {@code trust_domains}: a trust domain's PEM bundle by its name
 */
public record CertificateValidation(
        String trustedCaPem,
        String crlPem,
        List<SanMatcher> sanMatchers,
        boolean onlyVerifyLeafCertCrl,
        boolean allowExpiredCertificate,
        boolean acceptUntrusted,
        int maxVerifyDepth,
        List<String> certificateHashes,
        List<String> spkiHashes,
        Map<String, String> spiffeTrustBundles) {

    /** BoringSSL's default, which Envoy keeps. */
    public static final int DEFAULT_MAX_VERIFY_DEPTH = 100;

    public static final CertificateValidation NONE = builder().build();

    public CertificateValidation {
        sanMatchers = List.copyOf(sanMatchers);
        certificateHashes = List.copyOf(certificateHashes);
        spkiHashes = List.copyOf(spkiHashes);
        spiffeTrustBundles = Map.copyOf(spiffeTrustBundles);
    }

    /** Whether Envoy's SPIFFE validator ({@code envoy.tls.cert_validator.spiffe}) verifies the peer instead. */
    public boolean spiffe() {
        return !spiffeTrustBundles.isEmpty();
    }

    /** Whether the leaf is pinned by hash or SPKI. */
    public boolean pinned() {
        return !certificateHashes.isEmpty() || !spkiHashes.isEmpty();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * {@code combined_validation_context}: the SDS-delivered context with the default one merged
     * into it as protobuf's MergeFrom does (what the default sets wins, lists are concatenated).
     */
    public static CertificateValidation combine(CertificateValidation dynamic, CertificateValidation defaults) {
        if (defaults == null) {
            return dynamic;
        }
        return builder()
                .trustedCaPem(defaults.trustedCaPem() != null ? defaults.trustedCaPem() : dynamic.trustedCaPem())
                .crlPem(defaults.crlPem() != null ? defaults.crlPem() : dynamic.crlPem())
                .sanMatchers(concat(dynamic.sanMatchers(), defaults.sanMatchers()))
                .onlyVerifyLeafCertCrl(dynamic.onlyVerifyLeafCertCrl() || defaults.onlyVerifyLeafCertCrl())
                .allowExpiredCertificate(dynamic.allowExpiredCertificate() || defaults.allowExpiredCertificate())
                .acceptUntrusted(dynamic.acceptUntrusted() || defaults.acceptUntrusted())
                .maxVerifyDepth(defaults.maxVerifyDepth() != DEFAULT_MAX_VERIFY_DEPTH
                        ? defaults.maxVerifyDepth() : dynamic.maxVerifyDepth())
                .certificateHashes(concat(dynamic.certificateHashes(), defaults.certificateHashes()))
                .spkiHashes(concat(dynamic.spkiHashes(), defaults.spkiHashes()))
                .spiffeTrustBundles(defaults.spiffe() ? defaults.spiffeTrustBundles() : dynamic.spiffeTrustBundles())
                .build();
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** Defaults: nothing verified, depth 100. */
    public static final class Builder {
        private String trustedCaPem;
        private String crlPem;
        private List<SanMatcher> sanMatchers = List.of();
        private boolean onlyVerifyLeafCertCrl;
        private boolean allowExpiredCertificate;
        private boolean acceptUntrusted;
        private int maxVerifyDepth = DEFAULT_MAX_VERIFY_DEPTH;
        private List<String> certificateHashes = List.of();
        private List<String> spkiHashes = List.of();
        private Map<String, String> spiffeTrustBundles = Map.of();

        private Builder() {
        }

        public Builder trustedCaPem(String v) {
            trustedCaPem = v;
            return this;
        }

        public Builder crlPem(String v) {
            crlPem = v;
            return this;
        }

        public Builder sanMatchers(List<SanMatcher> v) {
            sanMatchers = v;
            return this;
        }

        public Builder onlyVerifyLeafCertCrl(boolean v) {
            onlyVerifyLeafCertCrl = v;
            return this;
        }

        public Builder allowExpiredCertificate(boolean v) {
            allowExpiredCertificate = v;
            return this;
        }

        public Builder acceptUntrusted(boolean v) {
            acceptUntrusted = v;
            return this;
        }

        public Builder maxVerifyDepth(int v) {
            maxVerifyDepth = v;
            return this;
        }

        public Builder certificateHashes(List<String> v) {
            certificateHashes = v;
            return this;
        }

        public Builder spkiHashes(List<String> v) {
            spkiHashes = v;
            return this;
        }

        /** SPIFFE trust domain → its X.509 bundle (PEM certificates, and CRLs checked for every certificate). */
        public Builder spiffeTrustBundles(Map<String, String> v) {
            spiffeTrustBundles = v;
            return this;
        }

        public CertificateValidation build() {
            return new CertificateValidation(trustedCaPem, crlPem, sanMatchers, onlyVerifyLeafCertCrl,
                    allowExpiredCertificate, acceptUntrusted, maxVerifyDepth, certificateHashes, spkiHashes,
                    spiffeTrustBundles);
        }
    }
}
