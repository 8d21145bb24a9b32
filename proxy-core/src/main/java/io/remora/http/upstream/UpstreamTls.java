package io.remora.http.upstream;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.remora.config.TransportSocketConfig;

import io.remora.config.StringMatcher;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * An UpstreamTlsContext with inline PEM material as a Netty client context. As Envoy, without
 * a validation context the peer is not verified. SDS-named secrets are not available to the
 * pools yet: such a cluster fails its connects (UF) with a reason saying so.
 */
final class UpstreamTls {

    private UpstreamTls() {
    }

    static SslContext context(TransportSocketConfig ts, boolean http2) throws SSLException {
        if (ts.certificateSecretName() != null || ts.validationSecretName() != null) {
            throw new SSLException("SDS secrets are not supported by upstream pools yet");
        }
        SslContextBuilder b = SslContextBuilder.forClient();
        if (ts.trustedCaPem() != null) {
            b.trustManager(pem(ts.trustedCaPem()));
        } else {
            b.trustManager(InsecureTrustManagerFactory.INSTANCE);
        }
        if (ts.certificateChainPem() != null && ts.privateKeyPem() != null) {
            b.keyManager(pem(ts.certificateChainPem()), pem(ts.privateKeyPem()));
        }
        List<String> alpn = ts.alpnProtocols() != null && !ts.alpnProtocols().isEmpty() ? ts.alpnProtocols()
                : List.of(http2 ? ApplicationProtocolNames.HTTP_2 : ApplicationProtocolNames.HTTP_1_1);
        b.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, alpn));
        return b.build();
    }

    private static ByteArrayInputStream pem(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * match_subject_alt_names / match_typed_subject_alt_names: some DNS or URI SAN of the peer's
     * certificate must match one matcher. Null when it does (or nothing is asked).
     */
    static Throwable checkSubjectAltNames(TransportSocketConfig ts, SSLEngine engine) {
        List<StringMatcher> matchers = ts.subjectAltNameMatchers();
        if (matchers == null || matchers.isEmpty()) {
            return null;
        }
        try {
            Certificate[] chain = engine.getSession().getPeerCertificates();
            if (chain.length > 0 && chain[0] instanceof X509Certificate x509) {
                Collection<List<?>> sans = x509.getSubjectAlternativeNames();
                if (sans != null) {
                    for (List<?> san : sans) {
                        Object type = san.get(0);
                        // 2 = dNSName, 6 = uniformResourceIdentifier (SPIFFE IDs)
                        if ((Integer.valueOf(2).equals(type) || Integer.valueOf(6).equals(type))
                                && san.get(1) instanceof String name) {
                            for (StringMatcher m : matchers) {
                                if (m.matches(name)) {
                                    return null;
                                }
                            }
                        }
                    }
                }
            }
        } catch (SSLPeerUnverifiedException | CertificateParsingException e) {
            return e;
        }
        return new SSLException("upstream certificate matches no configured subject alt name");
    }
}
