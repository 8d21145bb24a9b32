package io.remora.config;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code extensions.transport_sockets.tls.v3.CertificateValidationContext}: what a peer's
 * certificate must satisfy. Without a trusted CA the peer is not verified (Envoy's rule; the
 * translator refuses SAN matchers without one).
 *
 * @param trustedCaPem          PEM of the trust anchors, or null
 * @param crlPem                PEM CRLs, or null
 * @param sanMatchers           some SAN of the leaf must match one of these (empty: any)
 * @param acceptUntrusted       {@code trust_chain_verification: ACCEPT_UNTRUSTED}
 */
public record CertificateValidation(
        String trustedCaPem,
        String crlPem,
        List<SanMatcher> sanMatchers,
        boolean onlyVerifyLeafCertCrl,
        boolean allowExpiredCertificate,
        boolean acceptUntrusted,
        int maxVerifyDepth) {

    public static final CertificateValidation NONE = new CertificateValidation(null, null, List.of(), false, false, false);

    /** Without max_verify_depth (Envoy's default, 100). */
    public CertificateValidation(String trustedCaPem, String crlPem, List<SanMatcher> sanMatchers,
                                 boolean onlyVerifyLeafCertCrl, boolean allowExpiredCertificate,
                                 boolean acceptUntrusted) {
        this(trustedCaPem, crlPem, sanMatchers, onlyVerifyLeafCertCrl, allowExpiredCertificate, acceptUntrusted,
                DEFAULT_MAX_VERIFY_DEPTH);
    }

    /** BoringSSL's default, which Envoy keeps. */
    public static final int DEFAULT_MAX_VERIFY_DEPTH = 100;

    /**
     * {@code combined_validation_context}: the SDS-delivered context with the default one merged
     * into it as protobuf's MergeFrom does (what the default sets wins, lists are concatenated).
     */
    public static CertificateValidation combine(CertificateValidation dynamic, CertificateValidation defaults) {
        if (defaults == null) {
            return dynamic;
        }
        List<SanMatcher> sans = new ArrayList<>(dynamic.sanMatchers());
        sans.addAll(defaults.sanMatchers());
        return new CertificateValidation(
                defaults.trustedCaPem() != null ? defaults.trustedCaPem() : dynamic.trustedCaPem(),
                defaults.crlPem() != null ? defaults.crlPem() : dynamic.crlPem(),
                List.copyOf(sans),
                dynamic.onlyVerifyLeafCertCrl() || defaults.onlyVerifyLeafCertCrl(),
                dynamic.allowExpiredCertificate() || defaults.allowExpiredCertificate(),
                dynamic.acceptUntrusted() || defaults.acceptUntrusted(),
                defaults.maxVerifyDepth() != DEFAULT_MAX_VERIFY_DEPTH ? defaults.maxVerifyDepth() : dynamic.maxVerifyDepth());
    }
}
