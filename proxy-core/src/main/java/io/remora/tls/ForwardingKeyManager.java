package io.remora.tls;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;

/** A key manager that asks another for everything it does not decide itself (the server's certificate choice). */
abstract class ForwardingKeyManager extends X509ExtendedKeyManager {
    protected final X509ExtendedKeyManager delegate;

    ForwardingKeyManager(X509ExtendedKeyManager delegate) {
        this.delegate = delegate;
    }

    /** The factory's X509 key manager, which the JDK and BoringSSL contexts both take. */
    static X509ExtendedKeyManager x509(KeyManagerFactory kmf) {
        for (KeyManager k : kmf.getKeyManagers()) {
            if (k instanceof X509ExtendedKeyManager x) {
                return x;
            }
        }
        throw new IllegalStateException("no X509ExtendedKeyManager among " + kmf.getAlgorithm() + "'s key managers");
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return delegate.chooseEngineServerAlias(keyType, issuers, engine);
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
