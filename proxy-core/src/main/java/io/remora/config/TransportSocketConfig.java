package io.remora.config;

import java.util.List;

/**
 * TLS settings of a filter chain (downstream) or cluster (upstream), as Envoy's
 * {@code DownstreamTlsContext}/{@code UpstreamTlsContext}. Secrets are referenced by SDS name
 * or given inline (PEM). Used by the mTLS work; the model carries it now so the translator
 * can keep it.
 *
 * @param certificateSecretName SDS secret name of the cert chain + key, or null when inline
 * @param validationSecretName  SDS secret name of the trusted CA, or null when inline
 * @param sni                   upstream only: SNI to send, or null
 */
public record TransportSocketConfig(
        String certificateSecretName,
        String validationSecretName,
        String certificateChainPem,
        String privateKeyPem,
        String trustedCaPem,
        List<String> alpnProtocols,
        boolean requireClientCertificate,
        String sni,
        List<StringMatcher> subjectAltNameMatchers) {
}
