package io.remora.tls;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.netty.handler.ssl.OpenSslContextOption;
import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.ReferenceCountedOpenSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.internal.tcnative.SSL;
import io.netty.internal.tcnative.SSLContext;
import io.remora.config.CertificateValidation;
import io.remora.config.SessionTicketKey;
import io.remora.config.TlsCertificate;
import io.remora.config.TlsParams;
import io.remora.config.TransportSocketConfig;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Builds a Netty {@link SslContext} from a transport socket and its resolved material, with
 * Envoy's defaults (TLS 1.2-1.3, Envoy's cipher list and curves) on either provider.
 */
final class TlsContextFactory {
    /** Envoy's default cipher list for TLS 1.2 (TLS 1.3 suites are not configurable, as in BoringSSL). */
    static final List<String> DEFAULT_CIPHERS = List.of(
            "[ECDHE-ECDSA-AES128-GCM-SHA256|ECDHE-ECDSA-CHACHA20-POLY1305]",
            "[ECDHE-RSA-AES128-GCM-SHA256|ECDHE-RSA-CHACHA20-POLY1305]",
            "ECDHE-ECDSA-AES256-GCM-SHA384",
            "ECDHE-RSA-AES256-GCM-SHA384");
    static final List<String> TLS13_CIPHERS = List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256");
    static final List<String> DEFAULT_CURVES = List.of("X25519", "P-256");

    private TlsContextFactory() {
    }

    /** The material a context is built from, once SDS names are resolved. */
    record Material(List<TlsCertificate> certificates, CertificateValidation validation,
                    List<SessionTicketKey> ticketKeys) {
        Material(List<TlsCertificate> certificates, CertificateValidation validation) {
            this(certificates, validation, List.of());
        }
    }

    /**
     * The certificate choice of a server context, with its certificates' OCSP stapling checked as
     * Envoy's ServerContextImpl does.
     */
    static CertificateSelector selector(TransportSocketConfig ts, Material m, TlsProvider provider, TlsStats stats)
            throws SSLException {
        try {
            OcspStapling stapling = OcspStapling.create(m.certificates(), ts.options().ocspStaplePolicy(), stats,
                    provider == TlsProvider.BORINGSSL);
            List<X509Certificate> leaves = new ArrayList<>(m.certificates().size());
            for (TlsCertificate c : m.certificates()) {
                List<X509Certificate> chain = Pem.certificates(c.certificateChainPem());
                if (chain.isEmpty()) {
                    throw new GeneralSecurityException("certificate_chain holds no certificate");
                }
                leaves.add(chain.get(0));
            }
            TlsParams p = ts.params() == null ? TlsParams.DEFAULT : ts.params();
            Set<Integer> ecdsa = new HashSet<>();
            for (String c : CipherNames.forProvider(p.cipherSuites().isEmpty() ? DEFAULT_CIPHERS : p.cipherSuites(),
                    TlsProvider.BORINGSSL)) {
                if (c.contains("ECDSA") && CipherSuiteIds.of(c) != CipherSuiteIds.NONE) {
                    ecdsa.add(CipherSuiteIds.of(c));
                }
            }
            return new CertificateSelector(leaves, ts.options().fullScanCertsOnSniMismatch(), ts.requireSni(),
                    stapling, version(p.maxVersion(), 3) >= 3, ecdsa);
        } catch (GeneralSecurityException | RuntimeException e) {
            throw wrap(e);
        }
    }

    static SslContext server(TransportSocketConfig ts, Material m, TlsProvider provider, TlsStats stats,
                             CertificateSelector selector) throws SSLException {
        try {
            SslContextBuilder b = SslContextBuilder.forServer(new SelectingKeyManager(keyManagers(m.certificates()),
                            selector)).sslProvider(provider.netty());
            if (provider == TlsProvider.BORINGSSL) {
                b.enableOcsp(true); // lets a handshake's engine take the response to staple
            }
            PeerCertificateVerifier verifier = verifier(m.validation(), stats);
            if (verifier != null) {
                b.trustManager(verifier);
            }
            // Envoy asks for a client certificate whenever it can verify one, and insists only
            // when require_client_certificate says so.
            b.clientAuth(ts.requireClientCertificate() || verifier != null && verifier.requiresPeerCertificate()
                    ? ClientAuth.REQUIRE
                    : verifier != null && verifier.verifies() ? ClientAuth.OPTIONAL : ClientAuth.NONE);
            common(b, ts, ts.alpnProtocols(), provider, true);
            ServerSessions.configure(b, ts.sessionResumption(), m.ticketKeys(), provider);
            SslContext ctx = b.build();
            ServerSessions.apply(ctx, ts.sessionResumption(), m, ts.requireClientCertificate());
            if (ts.options().preferClientCiphers() && ctx instanceof ReferenceCountedOpenSslContext o) {
                // Netty sets the server's preference on every context; Envoy clears it on request.
                SSLContext.clearOptions(TcnContexts.handle(o), SSL.SSL_OP_CIPHER_SERVER_PREFERENCE);
            }
            return ctx;
        } catch (GeneralSecurityException | RuntimeException e) {
            throw wrap(e);
        }
    }

    /**
     * @param alpn        the protocols to offer (the context's own, an override, or the pool's); empty: none
     * @param peerHostSan the peer must also carry a SAN for the engine's peer host (auto_san_validation)
     */
    static SslContext client(TransportSocketConfig ts, Material m, List<String> alpn, TlsProvider provider,
                             TlsStats stats, boolean peerHostSan) throws SSLException {
        try {
            SslContextBuilder b = SslContextBuilder.forClient().sslProvider(provider.netty());
            if (!m.certificates().isEmpty()) {
                b.keyManager(keyManagers(m.certificates()));
            }
            CertificateValidation v = m.validation() == null ? CertificateValidation.NONE : m.validation();
            b.trustManager(new PeerCertificateVerifier(v, stats, peerHostSan, ts.options().enforceRsaKeyUsage()));
            // Hostname checks are Envoy's SAN matchers', not the JDK's.
            b.endpointIdentificationAlgorithm(null);
            common(b, ts, alpn, provider, false);
            int keep = ts.sessionResumption().maxSessionKeys();
            if (keep == 0) {
                // JSSE's cache cannot be switched off (and 0 means unbounded there): one short-lived entry.
                b.sessionCacheSize(1).sessionTimeout(1);
            } else {
                b.sessionCacheSize(keep);
            }
            SslContext ctx = b.build();
            if (keep == 0 && ctx.sessionContext() instanceof OpenSslSessionContext o) {
                o.setSessionCacheEnabled(false);
            }
            return ctx;
        } catch (GeneralSecurityException | RuntimeException e) {
            throw wrap(e);
        }
    }

    private static void common(SslContextBuilder b, TransportSocketConfig ts, List<String> alpn, TlsProvider provider,
                               boolean server) {
        TlsParams p = ts.params() == null ? TlsParams.DEFAULT : ts.params();
        b.protocols(protocols(p, server));
        List<String> ciphers = new ArrayList<>(CipherNames.forProvider(
                p.cipherSuites().isEmpty() ? DEFAULT_CIPHERS : p.cipherSuites(), provider));
        ciphers.addAll(TLS13_CIPHERS);
        b.ciphers(ciphers, IdentityCipherSuiteFilter.INSTANCE_DEFAULTING_TO_SUPPORTED_CIPHERS);
        if (provider == TlsProvider.BORINGSSL) {
            List<String> curves = p.ecdhCurves().isEmpty() ? DEFAULT_CURVES : p.ecdhCurves();
            b.option(OpenSslContextOption.GROUPS, curves.toArray(new String[0]));
        }
        if (alpn != null && !alpn.isEmpty()) {
            b.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, alpn));
        }
    }

    /** Envoy's TlsParameters versions as JSSE names; Envoy's defaults: 1.2 to 1.3 (servers), 1.2 (clients). */
    static String[] protocols(TlsParams p, boolean server) {
        int min = version(p.minVersion(), 2);
        int max = version(p.maxVersion(), server ? 3 : 2);
        List<String> out = new ArrayList<>();
        for (int v = min; v <= max; v++) {
            out.add(v == 0 ? "TLSv1" : "TLSv1." + v);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("tls_minimum_protocol_version is above tls_maximum_protocol_version");
        }
        return out.toArray(new String[0]);
    }

    private static int version(String envoy, int dflt) {
        if (envoy == null || envoy.isEmpty() || envoy.equals("TLS_AUTO")) {
            return dflt;
        }
        return switch (envoy) {
            case "TLSv1_0" -> 0;
            case "TLSv1_1" -> 1;
            case "TLSv1_2" -> 2;
            case "TLSv1_3" -> 3;
            default -> throw new IllegalArgumentException("unknown TLS version " + envoy);
        };
    }

    private static PeerCertificateVerifier verifier(CertificateValidation v, TlsStats stats)
            throws GeneralSecurityException {
        return v == null ? null : new PeerCertificateVerifier(v, stats);
    }

    /** Every certificate as one key store entry, {@code cert<i>} in configuration order. */
    static KeyManagerFactory keyManagers(List<TlsCertificate> certs) throws GeneralSecurityException {
        if (certs.isEmpty()) {
            throw new GeneralSecurityException("no certificate");
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try {
            ks.load(null, null);
        } catch (java.io.IOException e) {
            throw new GeneralSecurityException(e);
        }
        char[] pw = "remora".toCharArray();
        int i = 0;
        for (TlsCertificate c : certs) {
            List<X509Certificate> chain = Pem.certificates(c.certificateChainPem());
            if (chain.isEmpty()) {
                throw new GeneralSecurityException("certificate_chain holds no certificate");
            }
            PrivateKey key = Pem.privateKey(c.privateKeyPem());
            ks.setKeyEntry("cert" + i++, key, pw, chain.toArray(new X509Certificate[0]));
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, pw);
        return kmf;
    }

    private static SSLException wrap(Exception e) {
        return e instanceof SSLException s ? s : new SSLException(e.getMessage() == null ? e.toString() : e.getMessage(), e);
    }
}
