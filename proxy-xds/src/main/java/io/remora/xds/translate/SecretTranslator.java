package io.remora.xds.translate;

import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsSessionTicketKeys;
import io.remora.config.CertificateValidation;
import io.remora.config.SanMatcher;
import io.remora.config.SecretConfig;
import io.remora.config.SessionTicketKey;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * {@code extensions.transport_sockets.tls.v3.Secret} (static_resources.secrets, SDS) and the
 * certificate / validation context messages it shares with inline TLS contexts.
 */
public final class SecretTranslator {
    private SecretTranslator() {
    }

    /** A secret as the data plane uses it. */
    public static SecretConfig secret(Secret s, FieldPath path) {
        if (s.getName().isEmpty()) {
            throw path.field("name").error("name is required");
        }
        return switch (s.getTypeCase()) {
            case TLS_CERTIFICATE -> new SecretConfig(s.getName(), certificate(s.getTlsCertificate(),
                    path.field("tls_certificate")), null);
            case VALIDATION_CONTEXT -> new SecretConfig(s.getName(), null, validation(s.getValidationContext(),
                    path.field("validation_context")));
            case SESSION_TICKET_KEYS -> new SecretConfig(s.getName(), null, null,
                    sessionTicketKeys(s.getSessionTicketKeys(), path.field("session_ticket_keys")), null);
            case GENERIC_SECRET -> new SecretConfig(s.getName(), null, null, null, generic(s.getGenericSecret(),
                    path.field("generic_secret")));
            default -> throw path.error("secret '" + s.getName() + "' holds nothing");
        };
    }

    private static String generic(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.GenericSecret g,
                                  FieldPath path) {
        if (g.getSecretsCount() > 0) {
            throw path.field("secrets").error("a map of secrets is not supported; give one secret");
        }
        String value = g.hasSecret() ? Protos.dataSource(g.getSecret(), path.field("secret")) : null;
        if (value == null || value.isEmpty()) {
            throw path.field("secret").error("secret is required");
        }
        return value;
    }

    /** Envoy's hardware private key providers, all unavailable to a JVM proxy. */
    private static final java.util.Set<String> KNOWN_KEY_PROVIDERS = java.util.Set.of(
            "envoy.tls.key_providers.cryptomb", "envoy.tls.key_providers.qat", "envoy.tls.key_providers.kae");

    /**
     * A private key provider Envoy knows but cannot use here (its hardware is missing) falls back to the plain
     * {@code private_key} when {@code fallback} is set, as Envoy's does; anything else fails as Envoy's
     * "Failed to load private key provider".
     */
    private static void privateKeyFallback(TlsCertificate t, FieldPath path) {
        var p = t.getPrivateKeyProvider();
        if (!KNOWN_KEY_PROVIDERS.contains(p.getProviderName())) {
            throw path.field("provider_name").error("private key provider '" + p.getProviderName()
                    + "' is not supported");
        }
        if (!p.getFallback()) {
            throw path.error("private key provider '" + p.getProviderName() + "' is not available in Remora;"
                    + " set fallback: true to use private_key instead");
        }
        java.util.logging.Logger.getLogger(SecretTranslator.class.getName()).warning("private key provider '"
                + p.getProviderName() + "' is not available; falling back to private_key (fallback: true) at " + path);
    }

    static io.remora.config.TlsCertificate certificate(TlsCertificate t, FieldPath path) {
        return certificate(t, path, false);
    }

    /** {@code client}: the certificate of an upstream (client) TLS context, which never staples. */
    static io.remora.config.TlsCertificate certificate(TlsCertificate t, FieldPath path, boolean client) {
        if (t.hasPrivateKeyProvider()) {
            privateKeyFallback(t, path.field("private_key_provider"));
        }
        if (t.getSignedCertificateTimestampCount() > 0) {
            throw path.field("signed_certificate_timestamp").error("signed_certificate_timestamp is not supported:"
                    + " neither TLS provider can send an SCT list");
        }
        byte[] staple = t.hasOcspStaple() ? staple(t.getOcspStaple(), path.field("ocsp_staple")) : null;
        if (client) {
            staple = null; // read as Envoy reads it, and unused: a client never staples
        }
        watchedDirectory(t.hasWatchedDirectory(), t.getWatchedDirectory(), path);
        String password = t.hasPassword() ? Protos.dataSource(t.getPassword(), path.field("password")) : null;
        if (t.hasPkcs12()) {
            io.remora.config.TlsCertificate p = pkcs12(t, password, path);
            return withStaple(new io.remora.config.TlsCertificate(p.certificateChainPem(), p.privateKeyPem(), staple),
                    path);
        }
        String chain = t.hasCertificateChain() ? Protos.dataSource(t.getCertificateChain(), path.field("certificate_chain")) : null;
        String key = t.hasPrivateKey() ? Protos.dataSource(t.getPrivateKey(), path.field("private_key")) : null;
        if (chain == null || chain.isBlank()) {
            throw path.field("certificate_chain").error("certificate_chain is required");
        }
        if (key == null || key.isBlank()) {
            throw path.field("private_key").error("private_key is required");
        }
        checkPem(chain, "CERTIFICATE", path.field("certificate_chain"));
        if (io.remora.tls.EncryptedKeys.encrypted(key)) {
            if (password == null) {
                throw path.field("private_key").error("the private key is encrypted and no password is given");
            }
            try {
                key = io.remora.tls.EncryptedKeys.decrypt(key, password);
            } catch (java.security.GeneralSecurityException | RuntimeException e) {
                throw path.field("password").error("Failed to load private key: " + e.getMessage());
            }
        }
        try {
            io.remora.tls.Pem.privateKey(key);
        } catch (java.security.GeneralSecurityException | RuntimeException e) {
            throw path.field("private_key").error("invalid private key: " + e.getMessage());
        }
        return withStaple(new io.remora.config.TlsCertificate(chain, key, staple), path);
    }

    /** A staple must parse and name its certificate's serial (Envoy's ServerContextImpl checks, at load). */
    private static io.remora.config.TlsCertificate withStaple(io.remora.config.TlsCertificate c, FieldPath path) {
        if (c.ocspStaple() != null) {
            if (io.remora.tls.TlsProvider.current() == io.remora.tls.TlsProvider.JDK) {
                throw path.field("ocsp_staple").error("ocsp_staple needs the BoringSSL TLS provider: JSSE cannot"
                        + " staple a given response");
            }
            try {
                io.remora.tls.OcspStapling.check(c, io.remora.config.TlsOptions.OcspStaplePolicy.LENIENT_STAPLING);
            } catch (java.security.GeneralSecurityException e) {
                throw path.field("ocsp_staple").error(e.getMessage());
            }
        }
        return c;
    }

    /** Envoy reads every certificate's staple as DER bytes: an unreadable file or an inline_string is an error. */
    private static byte[] staple(io.envoyproxy.envoy.config.core.v3.DataSource staple, FieldPath path) {
        if (staple.getSpecifierCase() == io.envoyproxy.envoy.config.core.v3.DataSource.SpecifierCase.INLINE_STRING) {
            throw path.error("OCSP staple cannot be provided via inline_string");
        }
        return Protos.dataSourceBytes(staple, path);
    }

    /** Envoy: a PKCS#12 container stands for both certificate_chain and private_key. */
    private static io.remora.config.TlsCertificate pkcs12(TlsCertificate t, String password, FieldPath path) {
        if (t.hasPrivateKey()) {
            throw path.error("Certificate configuration can't have both pkcs12 and private_key");
        }
        if (t.hasCertificateChain()) {
            throw path.error("Certificate configuration can't have both pkcs12 and certificate_chain");
        }
        byte[] der = Protos.dataSourceBytes(t.getPkcs12(), path.field("pkcs12"));
        if (der == null || der.length == 0) {
            throw path.field("pkcs12").error("pkcs12 is empty");
        }
        try {
            return io.remora.tls.EncryptedKeys.pkcs12(der, password);
        } catch (java.security.GeneralSecurityException | RuntimeException e) {
            throw path.field("pkcs12").error("Failed to load pkcs12: " + e.getMessage());
        }
    }

    /** {@code TlsSessionTicketKeys}: each key exactly 80 bytes, as Envoy insists. */
    static List<SessionTicketKey> sessionTicketKeys(TlsSessionTicketKeys keys, FieldPath path) {
        if (keys.getKeysCount() == 0) {
            throw path.field("keys").error("at least one key is required");
        }
        List<SessionTicketKey> out = new ArrayList<>();
        for (int i = 0; i < keys.getKeysCount(); i++) {
            FieldPath kp = path.field("keys").index(i);
            byte[] b = Protos.dataSourceBytes(keys.getKeys(i), kp);
            if (b == null || b.length != SessionTicketKey.LENGTH) {
                throw kp.error("Incorrect TLS session ticket key length. Length " + (b == null ? 0 : b.length)
                        + ", expected length " + SessionTicketKey.LENGTH + ".");
            }
            out.add(new SessionTicketKey(b));
        }
        return out;
    }

    /** One {@code SubjectAltNameMatcher} (a validation context's, or RBAC mtls_authenticated's san_matcher). */
    public static SanMatcher san(SubjectAltNameMatcher m, FieldPath mp) {
        SanMatcher.Type type = switch (m.getSanType()) {
            case DNS -> SanMatcher.Type.DNS;
            case URI -> SanMatcher.Type.URI;
            case EMAIL -> SanMatcher.Type.EMAIL;
            case IP_ADDRESS -> SanMatcher.Type.IP_ADDRESS;
            case OTHER_NAME -> SanMatcher.Type.OTHER_NAME;
            default -> throw mp.field("san_type").error("san_type is required");
        };
        // Envoy matches an OTHER_NAME only by its oid: without one (or with a malformed one) it never matches.
        return new SanMatcher(type, StringMatcherTranslator.translate(m.getMatcher(), mp.field("matcher")),
                type == SanMatcher.Type.OTHER_NAME ? m.getOid() : null);
    }

    @SuppressWarnings("deprecation")
    static CertificateValidation validation(CertificateValidationContext v, FieldPath path) {
        List<SanMatcher> sans = new ArrayList<>();
        for (int i = 0; i < v.getMatchTypedSubjectAltNamesCount(); i++) {
            sans.add(san(v.getMatchTypedSubjectAltNames(i), path.field("match_typed_subject_alt_names").index(i)));
        }
        for (int i = 0; i < v.getMatchSubjectAltNamesCount(); i++) {
            sans.add(new SanMatcher(SanMatcher.Type.ANY, StringMatcherTranslator.translate(v.getMatchSubjectAltNames(i),
                    path.field("match_subject_alt_names").index(i))));
        }
        java.util.Map<String, String> spiffe = v.hasCustomValidatorConfig()
                ? SpiffeValidatorTranslator.trustBundles(v.getCustomValidatorConfig(), path.field("custom_validator_config"))
                : java.util.Map.of();
        int depth = v.hasMaxVerifyDepth() ? v.getMaxVerifyDepth().getValue()
                : CertificateValidation.DEFAULT_MAX_VERIFY_DEPTH;
        if (depth < 1) {
            // A chain always has its trust anchor, which counts: 0 could verify nothing.
            throw path.field("max_verify_depth").error("must be at least 1");
        }
        if (v.hasCaCertificateProviderInstance()) {
            throw path.field("ca_certificate_provider_instance").error("certificate providers are not supported");
        }
        if (v.hasRequireSignedCertificateTimestamp() && v.getRequireSignedCertificateTimestamp().getValue()) {
            throw path.field("require_signed_certificate_timestamp").error("require_signed_certificate_timestamp"
                    + " is not supported: neither TLS provider can ask the peer for SCTs");
        }
        watchedDirectory(v.hasWatchedDirectory(), v.getWatchedDirectory(), path);
        String ca = v.hasTrustedCa() ? Protos.dataSource(v.getTrustedCa(), path.field("trusted_ca")) : null;
        if (ca != null) {
            checkPem(ca, "CERTIFICATE", path.field("trusted_ca"));
        } else if (v.hasSystemRootCerts()) {
            // Envoy: the system's roots only when no trusted_ca is given.
            ca = SystemRootCerts.pem(path.field("system_root_certs"));
        }
        String crl = v.hasCrl() ? Protos.dataSource(v.getCrl(), path.field("crl")) : null;
        if (crl != null) {
            checkPem(crl, "X509 CRL", path.field("crl"));
            if (ca == null) {
                throw path.field("crl").error("a CRL needs trusted_ca");
            }
        }
        boolean untrusted = v.getTrustChainVerification()
                == CertificateValidationContext.TrustChainVerification.ACCEPT_UNTRUSTED;
        return CertificateValidation.builder().trustedCaPem(ca).crlPem(crl).sanMatchers(sans)
                .onlyVerifyLeafCertCrl(v.getOnlyVerifyLeafCertCrl())
                .allowExpiredCertificate(v.getAllowExpiredCertificate()).acceptUntrusted(untrusted)
                .maxVerifyDepth(depth)
                .certificateHashes(certificateHashes(v.getVerifyCertificateHashList(),
                        path.field("verify_certificate_hash")))
                .spkiHashes(spkiHashes(v.getVerifyCertificateSpkiList(), path.field("verify_certificate_spki")))
                .spiffeTrustBundles(spiffe)
                .build();
    }

    /**
     * A watched_directory needs a path. Honoured by {@code SecretFileWatch}: it re-reads the
     * secret's files each second, through the symlinks a directory swap replaces.
     */
    private static void watchedDirectory(boolean has, io.envoyproxy.envoy.config.core.v3.WatchedDirectory d,
                                         FieldPath path) {
        if (has && d.getPath().isEmpty()) {
            throw path.field("watched_directory").field("path").error("path is required");
        }
    }

    /** Hex SHA-256 digests, colons allowed (as OpenSSL prints them), kept lower-case without them. */
    private static List<String> certificateHashes(List<String> hashes, FieldPath path) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < hashes.size(); i++) {
            String hex = hashes.get(i).replace(":", "").toLowerCase(Locale.ROOT);
            if (hex.length() != 64 || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                throw path.index(i).error("Invalid hex-encoded SHA-256 " + hashes.get(i));
            }
            out.add(hex);
        }
        return out;
    }

    /** Base64 SHA-256 digests of a SubjectPublicKeyInfo, kept in standard padded form. */
    private static List<String> spkiHashes(List<String> spkis, FieldPath path) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < spkis.size(); i++) {
            byte[] digest;
            try {
                digest = Base64.getDecoder().decode(spkis.get(i));
            } catch (IllegalArgumentException e) {
                digest = null;
            }
            if (digest == null || digest.length != 32) {
                throw path.index(i).error("Invalid base64-encoded SHA-256 " + spkis.get(i));
            }
            out.add(Base64.getEncoder().encodeToString(digest));
        }
        return out;
    }

    /** The PEM must parse: a broken CA or chain fails the config, not every later handshake. */
    private static void checkPem(String pem, String type, FieldPath path) {
        if (!pem.contains("-----BEGIN " + type + "-----")) {
            throw path.error("no PEM " + type + " block");
        }
        try {
            if (type.equals("CERTIFICATE")) {
                io.remora.tls.Pem.certificates(pem);
            }
        } catch (java.security.GeneralSecurityException | RuntimeException e) {
            throw path.error("invalid certificate: " + e.getMessage());
        }
    }
}
