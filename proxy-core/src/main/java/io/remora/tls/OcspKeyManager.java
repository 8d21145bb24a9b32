package io.remora.tls;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import java.security.Principal;

/** A server key manager whose certificate choice follows the context's {@link OcspStapling}. */
final class OcspKeyManager extends ForwardingKeyManager {
    private final OcspStapling stapling;

    private OcspKeyManager(X509ExtendedKeyManager delegate, OcspStapling stapling) {
        super(delegate);
        this.stapling = stapling;
    }

    static KeyManager wrap(KeyManager km, OcspStapling stapling) {
        if (km instanceof X509ExtendedKeyManager x) {
            return new OcspKeyManager(x, stapling);
        }
        throw new IllegalStateException("not an X509ExtendedKeyManager: " + km);
    }

    static KeyManager wrap(KeyManagerFactory kmf, OcspStapling stapling) {
        return new OcspKeyManager(x509(kmf), stapling);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return stapling.chooseServerAlias(delegate, keyType, issuers, engine);
    }
}
