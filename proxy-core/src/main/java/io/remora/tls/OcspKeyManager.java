package io.remora.tls;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;

/** A server key manager whose certificate choice follows the context's {@link OcspStapling}. */
final class OcspKeyManager extends X509ExtendedKeyManager {
    private final X509ExtendedKeyManager delegate;
    private final OcspStapling stapling;

    private OcspKeyManager(X509ExtendedKeyManager delegate, OcspStapling stapling) {
        this.delegate = delegate;
        this.stapling = stapling;
    }

    static KeyManager wrap(KeyManager km, OcspStapling stapling) {
        if (km instanceof X509ExtendedKeyManager x) {
            return new OcspKeyManager(x, stapling);
        }
        throw new IllegalStateException("not an X509ExtendedKeyManager: " + km);
    }

    static KeyManager wrap(KeyManagerFactory kmf, OcspStapling stapling) {
        for (KeyManager k : kmf.getKeyManagers()) {
            if (k instanceof X509ExtendedKeyManager) {
                return wrap(k, stapling);
            }
        }
        throw new IllegalStateException("no X509ExtendedKeyManager among " + kmf.getAlgorithm() + "'s key managers");
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return stapling.chooseServerAlias(delegate, keyType, issuers, engine);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return delegate.chooseServerAlias(keyType, issuers, socket);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return delegate.getServerAliases(keyType, issuers);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        return delegate.chooseEngineClientAlias(keyType, issuers, engine);
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return delegate.chooseClientAlias(keyType, issuers, socket);
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return delegate.getClientAliases(keyType, issuers);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        return delegate.getCertificateChain(alias);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        return delegate.getPrivateKey(alias);
    }
}
