package io.remora.tls;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import java.security.Principal;

/** A server key manager whose certificate is the one the context's {@link CertificateSelector} chooses. */
final class SelectingKeyManager extends ForwardingKeyManager {
    private final CertificateSelector selector;

    SelectingKeyManager(KeyManagerFactory kmf, CertificateSelector selector) {
        super(x509(kmf));
        this.selector = selector;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return selector.choose(keyType, engine);
    }
}
