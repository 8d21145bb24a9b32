package io.remora.xds.translate;

import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.remora.config.CertificateValidation;
import io.remora.config.SessionResumption;
import io.remora.config.SessionTicketKey;
import io.remora.config.TlsCertificate;
import io.remora.config.TlsOptions;
import io.remora.config.TlsParams;
import io.remora.config.TransportSocketConfig;
import io.remora.tls.TlsProvider;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code transport_socket}: raw_buffer (null: plaintext) or tls with an
 * {@code UpstreamTlsContext}/{@code DownstreamTlsContext} → {@link TransportSocketConfig}.
 * Anything of a TLS context that cannot be honoured fails with its field path: a listener
 * must never serve plaintext or weaker TLS than it was configured with.
 */
public final class TransportSocketTranslator {

    private static final String RAW = "envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer";
    private static final String UPSTREAM_TLS = "envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext";
    private static final String DOWNSTREAM_TLS = "envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext";

    private TransportSocketTranslator() {
    }

    public static TransportSocketConfig upstream(TransportSocket ts, FieldPath path) {
        if (isRaw(ts)) {
            return null;
        }
        FieldPath tp = path.field("typed_config");
        if (!ts.hasTypedConfig()) {
            throw path.error("transport socket '" + ts.getName() + "' has no typed_config");
        }
        String type = Protos.typeName(ts.getTypedConfig());
        if (!type.equals(UPSTREAM_TLS)) {
            throw tp.error("unsupported upstream transport socket '" + ts.getName() + "' (" + type + ")");
        }
        UpstreamTlsContext u = Protos.unpack(ts.getTypedConfig(), UpstreamTlsContext.class, tp);
        FieldPath cp = tp.field("common_tls_context");
        CommonTlsContext c = u.getCommonTlsContext();
        Common common = common(c, cp, true);
        if (u.getAutoSniSanValidation() && common.validation == null && common.validationSds == null) {
            // Envoy's ClientContextImpl: a SAN check with nothing to verify the chain against is refused.
            throw tp.field("auto_sni_san_validation").error(
                    "'auto_sni_san_validation' was configured without a validation context");
        }
        SessionResumption resumption = SessionResumption.client(u.hasMaxSessionKeys()
                ? (int) Math.min(u.getMaxSessionKeys().getValue(), Integer.MAX_VALUE)
                : SessionResumption.DEFAULT_MAX_SESSION_KEYS);
        TlsOptions options = TlsOptions.builder().keyLog(common.keyLog)
                .allowRenegotiation(u.getAllowRenegotiation())
                // Envoy 1.39 ignores enforce_rsa_key_usage and always enforces (1.38 made it the default).
                .enforceRsaKeyUsage(true)
                .build();
        return new TransportSocketConfig(common.certs, common.certSds, common.validation, common.validationSds,
                List.copyOf(c.getAlpnProtocolsList()), false, u.getSni().isEmpty() ? null : u.getSni(),
                common.params, resumption, u.getAutoHostSni(), u.getAutoSniSanValidation(), false, options);
    }

    public static TransportSocketConfig downstream(TransportSocket ts, FieldPath path) {
        if (isRaw(ts)) {
            return null;
        }
        FieldPath tp = path.field("typed_config");
        if (!ts.hasTypedConfig()) {
            throw path.error("transport socket '" + ts.getName() + "' has no typed_config");
        }
        String type = Protos.typeName(ts.getTypedConfig());
        if (!type.equals(DOWNSTREAM_TLS)) {
            throw tp.error("unsupported downstream transport socket '" + ts.getName() + "' (" + type + ")");
        }
        DownstreamTlsContext d = Protos.unpack(ts.getTypedConfig(), DownstreamTlsContext.class, tp);
        FieldPath cp = tp.field("common_tls_context");
        CommonTlsContext c = d.getCommonTlsContext();
        if (c.getTlsCertificatesCount() == 0 && c.getTlsCertificateSdsSecretConfigsCount() == 0) {
            throw cp.error("a downstream TLS context needs tls_certificates or tls_certificate_sds_secret_configs");
        }
        Common common = common(c, cp, false);
        boolean requireClientCert = Protos.bool(d.hasRequireClientCertificate(), d.getRequireClientCertificate(), false);
        if (requireClientCert && common.validation == null && common.validationSds == null) {
            throw tp.field("require_client_certificate").error(
                    "requiring a client certificate needs a validation context to verify it against");
        }
        TlsOptions.OcspStaplePolicy ocsp = ocspStaplePolicy(d, tp.field("ocsp_staple_policy"));
        for (int i = 0; i < common.certs.size(); i++) {
            try {
                io.remora.tls.OcspStapling.check(common.certs.get(i), ocsp);
            } catch (java.security.GeneralSecurityException e) {
                throw cp.field("tls_certificates").index(i).error(e.getMessage());
            }
        }
        TlsOptions options = TlsOptions.builder().keyLog(common.keyLog)
                .preferClientCiphers(d.getPreferClientCiphers())
                .fullScanCertsOnSniMismatch(Protos.bool(d.hasFullScanCertsOnSniMismatch(),
                        d.getFullScanCertsOnSniMismatch(), false))
                .ocspStaplePolicy(ocsp)
                .build();
        return new TransportSocketConfig(common.certs, common.certSds, common.validation, common.validationSds,
                List.copyOf(c.getAlpnProtocolsList()), requireClientCert, null, common.params, resumption(d, tp),
                false, false, Protos.bool(d.hasRequireSni(), d.getRequireSni(), false), options);
    }

    private static TlsOptions.OcspStaplePolicy ocspStaplePolicy(DownstreamTlsContext d, FieldPath path) {
        return switch (d.getOcspStaplePolicy()) {
            case LENIENT_STAPLING -> TlsOptions.OcspStaplePolicy.LENIENT_STAPLING;
            case STRICT_STAPLING -> TlsOptions.OcspStaplePolicy.STRICT_STAPLING;
            case MUST_STAPLE -> TlsOptions.OcspStaplePolicy.MUST_STAPLE;
            default -> throw path.error("unknown ocsp_staple_policy " + d.getOcspStaplePolicyValue());
        };
    }

    /** Tickets (with keys inline or from a secret), the session cache and the session lifetime. */
    private static SessionResumption resumption(DownstreamTlsContext d, FieldPath path) {
        List<SessionTicketKey> keys = d.hasSessionTicketKeys()
                ? SecretTranslator.sessionTicketKeys(d.getSessionTicketKeys(), path.field("session_ticket_keys"))
                : List.of();
        String keysSds = d.hasSessionTicketKeysSdsSecretConfig() ? sdsName(d.getSessionTicketKeysSdsSecretConfig()
                .getName(), path.field("session_ticket_keys_sds_secret_config")) : null;
        Duration timeout = null;
        if (d.hasSessionTimeout()) {
            var t = d.getSessionTimeout();
            if (t.getSeconds() < 0 || t.getNanos() < 0 || t.getSeconds() >= (1L << 32)) {
                throw path.field("session_timeout").error("must be at least 0s and below 4294967296s");
            }
            timeout = Duration.ofSeconds(t.getSeconds()); // Envoy keeps whole seconds
        }
        return new SessionResumption(!d.getDisableStatelessSessionResumption(),
                !d.getDisableStatefulSessionResumption(), keys, keysSds, timeout);
    }

    private static boolean isRaw(TransportSocket ts) {
        if (!ts.hasTypedConfig()) {
            return ts.getName().isEmpty() || ts.getName().equals("envoy.transport_sockets.raw_buffer")
                    || ts.getName().equals("raw_buffer");
        }
        return Protos.typeName(ts.getTypedConfig()).equals(RAW);
    }

    private record Common(List<TlsCertificate> certs, List<String> certSds, CertificateValidation validation,
                          String validationSds, TlsParams params, TlsOptions.KeyLog keyLog) {
    }

    /** {@code key_log}: BoringSSL hands out the secrets; JSSE has no way to. */
    private static TlsOptions.KeyLog keyLog(CommonTlsContext c, FieldPath path) {
        if (!c.hasKeyLog()) {
            return null;
        }
        var k = c.getKeyLog();
        if (k.getPath().isEmpty()) {
            throw path.field("path").error("path is required");
        }
        if (TlsProvider.current() == TlsProvider.JDK) {
            throw path.error("key_log needs the BoringSSL TLS provider: JSSE does not hand out TLS secrets");
        }
        return new TlsOptions.KeyLog(k.getPath(), FilterChainTranslator.cidrs(k.getLocalAddressRangeList(),
                path.field("local_address_range")), FilterChainTranslator.cidrs(k.getRemoteAddressRangeList(),
                path.field("remote_address_range")));
    }

    private static Common common(CommonTlsContext c, FieldPath path, boolean client) {
        List<TlsCertificate> certs = new ArrayList<>();
        for (int i = 0; i < c.getTlsCertificatesCount(); i++) {
            certs.add(SecretTranslator.certificate(c.getTlsCertificates(i), path.field("tls_certificates").index(i),
                    client));
        }
        List<String> certSds = new ArrayList<>();
        for (int i = 0; i < c.getTlsCertificateSdsSecretConfigsCount(); i++) {
            String name = c.getTlsCertificateSdsSecretConfigs(i).getName();
            if (name.isEmpty()) {
                throw path.field("tls_certificate_sds_secret_configs").index(i).field("name").error("name is required");
            }
            certSds.add(name);
        }
        if (c.hasTlsCertificateProviderInstance() || c.hasTlsCertificateCertificateProviderInstance()
                || c.hasTlsCertificateCertificateProvider()) {
            throw path.error("certificate provider instances are not supported");
        }
        if (c.hasCustomHandshaker()) {
            throw path.field("custom_handshaker").error("custom handshakers are not supported");
        }
        if (c.hasCustomTlsCertificateSelector()) {
            throw path.field("custom_tls_certificate_selector").error("custom certificate selectors are not supported");
        }
        CertificateValidation validation = null;
        String validationSds = null;
        switch (c.getValidationContextTypeCase()) {
            case VALIDATION_CONTEXT -> {
                FieldPath vp = path.field("validation_context");
                validation = SecretTranslator.validation(c.getValidationContext(), vp);
                requireCaForSans(validation, vp);
            }
            case VALIDATION_CONTEXT_SDS_SECRET_CONFIG -> validationSds = sdsName(
                    c.getValidationContextSdsSecretConfig().getName(), path.field("validation_context_sds_secret_config"));
            case COMBINED_VALIDATION_CONTEXT -> {
                var cv = c.getCombinedValidationContext();
                FieldPath cvp = path.field("combined_validation_context");
                validation = SecretTranslator.validation(cv.getDefaultValidationContext(),
                        cvp.field("default_validation_context"));
                if (!cv.hasValidationContextSdsSecretConfig()) {
                    throw cvp.field("validation_context_sds_secret_config").error("is required");
                }
                validationSds = sdsName(cv.getValidationContextSdsSecretConfig().getName(),
                        cvp.field("validation_context_sds_secret_config"));
                if (cv.hasValidationContextCertificateProviderInstance() || cv.hasValidationContextCertificateProvider()) {
                    throw cvp.error("certificate providers are not supported");
                }
            }
            case VALIDATION_CONTEXT_CERTIFICATE_PROVIDER, VALIDATION_CONTEXT_CERTIFICATE_PROVIDER_INSTANCE ->
                    throw path.error("certificate providers are not supported");
            default -> {
            }
        }
        return new Common(List.copyOf(certs), List.copyOf(certSds), validation, validationSds,
                params(c, path.field("tls_params")), keyLog(c, path.field("key_log")));
    }

    private static String sdsName(String name, FieldPath path) {
        if (name.isEmpty()) {
            throw path.field("name").error("name is required");
        }
        return name;
    }

    /** Envoy: "SAN-based verification of peer certificates without trusted CA is insecure and not allowed". */
    private static void requireCaForSans(CertificateValidation v, FieldPath path) {
        if (!v.sanMatchers().isEmpty() && v.trustedCaPem() == null && !v.acceptUntrusted() && !v.spiffe()) {
            throw path.error("SAN-based verification of peer certificates without trusted CA is insecure and not allowed");
        }
    }

    private static TlsParams params(CommonTlsContext c, FieldPath path) {
        if (!c.hasTlsParams()) {
            return TlsParams.DEFAULT;
        }
        var p = c.getTlsParams();
        if (p.getSignatureAlgorithmsCount() > 0) {
            throw path.field("signature_algorithms").error("signature_algorithms is not supported");
        }
        if (p.getCompliancePoliciesCount() > 0) {
            // BoringSSL applies FIPS_202205 in one call Netty does not reach; the parts that can be set
            // (versions, TLS 1.2 ciphers, curves) would leave TLS 1.3 ChaCha20 and the signature
            // algorithms open, weaker than the policy promises.
            throw path.field("compliance_policies").error("compliance_policies is not supported: neither TLS"
                    + " provider can limit TLS 1.3 cipher suites and signature algorithms to the policy");
        }
        String min = version(p.getTlsMinimumProtocolVersion().name(), path.field("tls_minimum_protocol_version"));
        String max = version(p.getTlsMaximumProtocolVersion().name(), path.field("tls_maximum_protocol_version"));
        if (min != null && max != null && min.compareTo(max) > 0) {
            throw path.error("tls_minimum_protocol_version is above tls_maximum_protocol_version");
        }
        for (int i = 0; i < p.getCipherSuitesCount(); i++) {
            if (p.getCipherSuites(i).isBlank()) {
                throw path.field("cipher_suites").index(i).error("empty cipher suite");
            }
        }
        // Envoy's ContextImpl refuses names BoringSSL does not know; Netty would drop them quietly.
        List<String> badCiphers = io.remora.tls.BoringSslNames.rejectedCiphers(p.getCipherSuitesList());
        if (!badCiphers.isEmpty()) {
            throw path.field("cipher_suites").error("Failed to initialize cipher suites "
                    + String.join(":", p.getCipherSuitesList())
                    + ". The following ciphers were rejected when tried individually: " + String.join(", ", badCiphers));
        }
        List<String> badCurves = io.remora.tls.BoringSslNames.unknownCurves(p.getEcdhCurvesList());
        if (!badCurves.isEmpty()) {
            throw path.field("ecdh_curves").index(p.getEcdhCurvesList().indexOf(badCurves.get(0)))
                    .error("Failed to initialize ECDH curves " + String.join(":", p.getEcdhCurvesList()));
        }
        return new TlsParams(min, max, List.copyOf(p.getCipherSuitesList()), List.copyOf(p.getEcdhCurvesList()));
    }

    private static String version(String name, FieldPath path) {
        return switch (name) {
            case "TLS_AUTO" -> null;
            case "TLSv1_0", "TLSv1_1", "TLSv1_2", "TLSv1_3" -> name;
            default -> throw path.error("unknown TLS version " + name);
        };
    }
}
