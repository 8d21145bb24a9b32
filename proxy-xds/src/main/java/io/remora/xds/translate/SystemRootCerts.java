package io.remora.xds.translate;

import io.remora.tls.Pem;

import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.List;

/**
 * {@code system_root_certs}: the platform's trusted roots as a {@code trusted_ca}. The JDK's
 * default trust store stands for the system's (its {@code cacerts}, or {@code
 * javax.net.ssl.trustStore} when the operator names one), read once per process.
 */
final class SystemRootCerts {
    private static volatile String pem;

    private SystemRootCerts() {
    }

    static String pem(FieldPath path) {
        String p = pem;
        if (p != null) {
            return p;
        }
        try {
            TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            f.init((KeyStore) null);
            for (var tm : f.getTrustManagers()) {
                if (tm instanceof X509TrustManager x && x.getAcceptedIssuers().length > 0) {
                    p = Pem.encode(List.of(x.getAcceptedIssuers()));
                    pem = p;
                    return p;
                }
            }
        } catch (GeneralSecurityException e) {
            throw path.error("cannot read the system's root certificates: " + e.getMessage());
        }
        throw path.error("the system trust store holds no root certificate");
    }
}
