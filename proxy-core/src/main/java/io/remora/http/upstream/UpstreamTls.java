package io.remora.http.upstream;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.remora.config.TransportSocketConfig;

import javax.net.ssl.SSLException;
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
}
