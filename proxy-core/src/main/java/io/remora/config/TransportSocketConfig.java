package io.remora.config;

import java.util.List;

/**
 * The TLS transport socket of a filter chain ({@code DownstreamTlsContext}) or a cluster
 * ({@code UpstreamTlsContext}). Certificates come inline (files are read by the translator) or
 * by SDS name; the validation context inline, by SDS name, or both ({@code
 * combined_validation_context}: the inline one is the default merged into the SDS one).
 *
 * @param certificates             inline certificates (Envoy allows several, e.g. RSA + ECDSA)
 * @param certificateSdsNames      SDS secrets holding certificates
 * @param validation               inline validation context, or null
 * @param validationSdsName        SDS secret holding the validation context, or null
 * @param requireClientCertificate downstream only
 * @param sni                      upstream only: SNI to send, or null
 * @param sessionResumption        downstream: tickets, session cache, ticket keys and timeout (Istio turns
 *                                 resumption off); upstream: max_session_keys
 * @param autoHostSni              upstream ({@code auto_host_sni}): the host's hostname as SNI, when it has one
 *                                 and no request names one (auto_sni wins)
 * @param autoSniSanValidation     upstream ({@code auto_sni_san_validation}): the peer needs a DNS SAN for the
 *                                 SNI sent, in place of the SAN matchers (a request's auto_san_validation wins)
 * @param requireSni               downstream: a client hello without SNI fails the handshake
 * @param options                  key log, cipher preference, certificate scan, renegotiation, RSA key usage
 */
public record TransportSocketConfig(
        List<TlsCertificate> certificates,
        List<String> certificateSdsNames,
        CertificateValidation validation,
        String validationSdsName,
        List<String> alpnProtocols,
        boolean requireClientCertificate,
        String sni,
        TlsParams params,
        SessionResumption sessionResumption,
        boolean autoHostSni,
        boolean autoSniSanValidation,
        boolean requireSni,
        TlsOptions options) {

    public TransportSocketConfig(List<TlsCertificate> certificates, List<String> certificateSdsNames,
                                 CertificateValidation validation, String validationSdsName, List<String> alpnProtocols,
                                 boolean requireClientCertificate, String sni, TlsParams params,
                                 SessionResumption sessionResumption, boolean autoSni, boolean autoSanValidation,
                                 boolean requireSni) {
        this(certificates, certificateSdsNames, validation, validationSdsName, alpnProtocols, requireClientCertificate,
                sni, params, sessionResumption, autoSni, autoSanValidation, requireSni, TlsOptions.DEFAULT);
    }

    public TransportSocketConfig(List<TlsCertificate> certificates, List<String> certificateSdsNames,
                                 CertificateValidation validation, String validationSdsName, List<String> alpnProtocols,
                                 boolean requireClientCertificate, String sni, TlsParams params,
                                 boolean sessionResumption, boolean autoSni, boolean autoSanValidation) {
        this(certificates, certificateSdsNames, validation, validationSdsName, alpnProtocols, requireClientCertificate,
                sni, params, sessionResumption ? SessionResumption.DEFAULT : SessionResumption.OFF, autoSni,
                autoSanValidation, false);
    }

    public TransportSocketConfig {
        sessionResumption = sessionResumption == null ? SessionResumption.DEFAULT : sessionResumption;
        options = options == null ? TlsOptions.DEFAULT : options;
    }

    /** Whether any of this socket's material comes from SDS. */
    public boolean usesSds() {
        return !certificateSdsNames.isEmpty() || validationSdsName != null
                || sessionResumption.ticketKeysSdsName() != null;
    }

    /** Upstream TLS with inline material (tests, simple configs). */
    public static TransportSocketConfig upstream(TlsCertificate cert, CertificateValidation validation, String sni,
                                                 List<String> alpn) {
        return new TransportSocketConfig(cert == null ? List.of() : List.of(cert), List.of(), validation, null,
                alpn, false, sni, TlsParams.DEFAULT, true, false, false);
    }

    /** Downstream TLS with inline material (tests, simple configs). */
    public static TransportSocketConfig downstream(TlsCertificate cert, CertificateValidation validation,
                                                   boolean requireClientCertificate, List<String> alpn) {
        return new TransportSocketConfig(List.of(cert), List.of(), validation, null, alpn,
                requireClientCertificate, null, TlsParams.DEFAULT, true, false, false);
    }
}
