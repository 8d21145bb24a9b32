package io.remora.config;

import java.util.List;

/**
 * The less common switches of a TLS context, each with Envoy's default.
 *
 * @param keyLog                     {@code CommonTlsContext.key_log}, or null
 * @param preferClientCiphers        downstream: the client's cipher order wins (TLS 1.2 and below)
 * @param fullScanCertsOnSniMismatch downstream: with no certificate for the SNI, any certificate the client
 *                                   can use rather than the first
 * @param allowRenegotiation         upstream: the server may renegotiate (TLS 1.2 and below)
 * @param enforceRsaKeyUsage         upstream: the server's RSA certificate must allow the negotiated use
 * @param ocspStaplePolicy           downstream: when a certificate's OCSP response is stapled, and when its
 *                                   absence fails the handshake
 */
public record TlsOptions(KeyLog keyLog, boolean preferClientCiphers, boolean fullScanCertsOnSniMismatch,
                         boolean allowRenegotiation, boolean enforceRsaKeyUsage, OcspStaplePolicy ocspStaplePolicy) {
    public static final TlsOptions DEFAULT = builder().build();

    /** {@code DownstreamTlsContext.OcspStaplePolicy}. */
    public enum OcspStaplePolicy { LENIENT_STAPLING, STRICT_STAPLING, MUST_STAPLE }

    /** {@code TlsKeyLog}: NSS key log lines of connections whose addresses fall in the ranges (empty: any). */
    public record KeyLog(String path, List<CidrRange> localRanges, List<CidrRange> remoteRanges) {
        public KeyLog {
            localRanges = List.copyOf(localRanges);
            remoteRanges = List.copyOf(remoteRanges);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private KeyLog keyLog;
        private boolean preferClientCiphers;
        private boolean fullScanCertsOnSniMismatch;
        private boolean allowRenegotiation;
        private boolean enforceRsaKeyUsage;
        private OcspStaplePolicy ocspStaplePolicy = OcspStaplePolicy.LENIENT_STAPLING;

        private Builder() {
        }

        public Builder keyLog(KeyLog v) {
            keyLog = v;
            return this;
        }

        public Builder preferClientCiphers(boolean v) {
            preferClientCiphers = v;
            return this;
        }

        public Builder fullScanCertsOnSniMismatch(boolean v) {
            fullScanCertsOnSniMismatch = v;
            return this;
        }

        public Builder allowRenegotiation(boolean v) {
            allowRenegotiation = v;
            return this;
        }

        public Builder enforceRsaKeyUsage(boolean v) {
            enforceRsaKeyUsage = v;
            return this;
        }

        public Builder ocspStaplePolicy(OcspStaplePolicy v) {
            ocspStaplePolicy = v;
            return this;
        }

        public TlsOptions build() {
            return new TlsOptions(keyLog, preferClientCiphers, fullScanCertsOnSniMismatch, allowRenegotiation,
                    enforceRsaKeyUsage, ocspStaplePolicy);
        }
    }
}
