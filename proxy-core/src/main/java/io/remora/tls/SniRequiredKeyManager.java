package io.remora.tls;

import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.X509ExtendedKeyManager;
import java.net.Socket;
import java.security.Principal;

/**
 * {@code require_sni}: the server picks its certificate only for a client hello that named a
 * server, so a handshake without SNI fails before any certificate is sent, as Envoy's certificate
 * selection refuses it.
 */
final class SniRequiredKeyManager extends ForwardingKeyManager {

    private SniRequiredKeyManager(X509ExtendedKeyManager delegate) {
        super(delegate);
    }

    static KeyManager wrap(KeyManagerFactory kmf) {
        return new SniRequiredKeyManager(x509(kmf));
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
}
