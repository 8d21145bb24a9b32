package io.remora.xds.translate;

import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.remora.config.StringMatcher;
import io.remora.config.TransportSocketConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code transport_socket}: raw_buffer (null: plaintext) or tls with an
 * {@code UpstreamTlsContext}/{@code DownstreamTlsContext} → {@link TransportSocketConfig}.
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
        String type = Protos.typeName(ts.getTypedConfig());
        if (!type.equals(UPSTREAM_TLS)) {
            throw tp.error("unsupported upstream transport socket '" + ts.getName() + "' (" + type + ")");
        }
        UpstreamTlsContext u = Protos.unpack(ts.getTypedConfig(), UpstreamTlsContext.class, tp);
        return common(u.getCommonTlsContext(), tp.field("common_tls_context"), false,
                u.getSni().isEmpty() ? null : u.getSni());
    }

    public static TransportSocketConfig downstream(TransportSocket ts, FieldPath path) {
        if (isRaw(ts)) {
            return null;
        }
        FieldPath tp = path.field("typed_config");
        String type = Protos.typeName(ts.getTypedConfig());
        if (!type.equals(DOWNSTREAM_TLS)) {
            throw tp.error("unsupported downstream transport socket '" + ts.getName() + "' (" + type + ")");
        }
        DownstreamTlsContext d = Protos.unpack(ts.getTypedConfig(), DownstreamTlsContext.class, tp);
        FieldPath cp = tp.field("common_tls_context");
        if (d.getCommonTlsContext().getTlsCertificatesCount() == 0
                && d.getCommonTlsContext().getTlsCertificateSdsSecretConfigsCount() == 0) {
            throw cp.error("a downstream TLS context needs tls_certificates or tls_certificate_sds_secret_configs");
        }
        return common(d.getCommonTlsContext(), cp,
                Protos.bool(d.hasRequireClientCertificate(), d.getRequireClientCertificate(), false), null);
    }

    private static boolean isRaw(TransportSocket ts) {
        if (!ts.hasTypedConfig()) {
            return ts.getName().isEmpty() || ts.getName().equals("envoy.transport_sockets.raw_buffer")
                    || ts.getName().equals("raw_buffer");
        }
        return Protos.typeName(ts.getTypedConfig()).equals(RAW);
    }

    @SuppressWarnings("deprecation")
    private static TransportSocketConfig common(CommonTlsContext c, FieldPath path, boolean requireClientCert,
                                                String sni) {
        String certSecret = null;
        String chain = null;
        String key = null;
        if (c.getTlsCertificatesCount() > 0) {
            if (c.getTlsCertificatesCount() > 1) {
                throw path.field("tls_certificates").error("only one certificate is supported");
            }
            TlsCertificate t = c.getTlsCertificates(0);
            FieldPath tp = path.field("tls_certificates").index(0);
            chain = Protos.dataSource(t.getCertificateChain(), tp.field("certificate_chain"));
            key = Protos.dataSource(t.getPrivateKey(), tp.field("private_key"));
            if (chain == null || key == null) {
                throw tp.error("certificate_chain and private_key are required");
            }
        } else if (c.getTlsCertificateSdsSecretConfigsCount() > 0) {
            if (c.getTlsCertificateSdsSecretConfigsCount() > 1) {
                throw path.field("tls_certificate_sds_secret_configs").error("only one certificate is supported");
            }
            certSecret = c.getTlsCertificateSdsSecretConfigs(0).getName();
        }
        String validationSecret = null;
        String ca = null;
        List<StringMatcher> sans = new ArrayList<>();
        switch (c.getValidationContextTypeCase()) {
            case VALIDATION_CONTEXT -> ca = validation(c.getValidationContext(), path.field("validation_context"), sans);
            case VALIDATION_CONTEXT_SDS_SECRET_CONFIG -> validationSecret = c.getValidationContextSdsSecretConfig().getName();
            case COMBINED_VALIDATION_CONTEXT -> {
                var cv = c.getCombinedValidationContext();
                FieldPath cvp = path.field("combined_validation_context");
                ca = validation(cv.getDefaultValidationContext(), cvp.field("default_validation_context"), sans);
                validationSecret = cv.getValidationContextSdsSecretConfig().getName();
            }
            case VALIDATION_CONTEXT_CERTIFICATE_PROVIDER, VALIDATION_CONTEXT_CERTIFICATE_PROVIDER_INSTANCE ->
                    throw path.error("certificate providers are not supported");
            default -> {
            }
        }
        return new TransportSocketConfig(certSecret, validationSecret, chain, key, ca,
                List.copyOf(c.getAlpnProtocolsList()), requireClientCert, sni, List.copyOf(sans));
    }

    @SuppressWarnings("deprecation")
    private static String validation(CertificateValidationContext v, FieldPath path, List<StringMatcher> sans) {
        for (int i = 0; i < v.getMatchTypedSubjectAltNamesCount(); i++) {
            sans.add(StringMatcherTranslator.translate(v.getMatchTypedSubjectAltNames(i).getMatcher(),
                    path.field("match_typed_subject_alt_names").index(i).field("matcher")));
        }
        for (int i = 0; i < v.getMatchSubjectAltNamesCount(); i++) {
            sans.add(StringMatcherTranslator.translate(v.getMatchSubjectAltNames(i),
                    path.field("match_subject_alt_names").index(i)));
        }
        return v.hasTrustedCa() ? Protos.dataSource(v.getTrustedCa(), path.field("trusted_ca")) : null;
    }
}
