package io.remora.tls;

import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.X509ExtendedKeyManager;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;

/**
 * {@code require_sni}: the server picks its certificate only for a client hello that named a
 * server, so a handshake without SNI fails before any certificate is sent, as Envoy's certificate
 * selection refuses it.
 */
final class SniRequiredKeyManager extends X509ExtendedKeyManager {

    private final X509ExtendedKeyManager delegate;

    private SniRequiredKeyManager(X509ExtendedKeyManager delegate) {
        this.delegate = delegate;
    }

    static KeyManager wrap(KeyManagerFactory kmf) {
        for (KeyManager k : kmf.getKeyManagers()) {
            if (k instanceof X509ExtendedKeyManager x) {
                return new SniRequiredKeyManager(x);
            }
        }
        throw new IllegalStateException("no X509ExtendedKeyManager among " + kmf.getAlgorithm() + "'s key managers");
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return namedServer(engine) ? delegate.chooseEngineServerAlias(keyType, issuers, engine) : null;
    }

    private static boolean namedServer(SSLEngine engine) {
        SSLSession s = engine == null ? null : engine.getHandshakeSession();
        try {
            return s instanceof ExtendedSSLSession e && !e.getRequestedServerNames().isEmpty();
        } catch (UnsupportedOperationException e) {
            return false;
        }
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return null; // only engines carry the hello's server name
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
