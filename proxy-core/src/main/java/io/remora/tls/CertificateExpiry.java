package io.remora.tls;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.config.CertificateValidation;
import io.remora.config.TlsCertificate;

import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Envoy's {@code server.days_until_first_cert_expiring} and
 * {@code server.seconds_until_first_ocsp_response_expiring}, over the TLS contexts in use, as its
 * ContextManagerImpl computes them: per context the first CA certificate of {@code trusted_ca} and
 * every certificate's leaf; a certificate already expired makes the days 0; with no context the days
 * are 2^32-1. The OCSP gauge keeps its last value while no listener certificate has a staple.
 */
public final class CertificateExpiry {
    private static final long NO_CERTIFICATE_DAYS = 0xffffffffL;

    private final SecretManager secrets;
    private final AtomicLong lastOcspSeconds = new AtomicLong();

    private CertificateExpiry(SecretManager secrets) {
        this.secrets = secrets;
    }

    public static void register(MeterRegistry r, SecretManager secrets) {
        CertificateExpiry e = new CertificateExpiry(secrets);
        Gauge.builder("envoy_server_days_until_first_cert_expiring", e, CertificateExpiry::daysUntilFirstCertExpiring)
                .strongReference(true).register(r);
        Gauge.builder("envoy_server_seconds_until_first_ocsp_response_expiring", e,
                CertificateExpiry::secondsUntilFirstOcspResponseExpiring).strongReference(true).register(r);
    }

    double daysUntilFirstCertExpiring() {
        Instant now = Instant.now();
        long min = NO_CERTIFICATE_DAYS;
        for (TlsContextProvider p : secrets.contexts()) {
            Map.Entry<List<TlsCertificate>, CertificateValidation> m = p.material();
            if (m == null) {
                continue; // not built yet: Envoy has no context for it either
            }
            try {
                if (m.getValue().trustedCaPem() != null) {
                    List<X509Certificate> cas = Pem.certificates(m.getValue().trustedCaPem());
                    if (!cas.isEmpty()) {
                        min = Math.min(min, days(cas.get(0), now));
                    }
                }
                for (TlsCertificate c : m.getKey()) {
                    List<X509Certificate> chain = Pem.certificates(c.certificateChainPem());
                    if (!chain.isEmpty()) {
                        min = Math.min(min, days(chain.get(0), now));
                    }
                }
            } catch (GeneralSecurityException | RuntimeException e) {
                continue; // a context that does not load has no certificates to count
            }
            if (min < 0) {
                return 0; // Envoy: an expired certificate leaves the days unknown, and the gauge 0
            }
        }
        return min;
    }

    private static long days(X509Certificate c, Instant now) {
        Duration left = Duration.between(now, c.getNotAfter().toInstant());
        return left.isNegative() ? -1 : left.toDays();
    }

    double secondsUntilFirstOcspResponseExpiring() {
        Instant now = Instant.now();
        long min = -1;
        for (TlsContextProvider p : secrets.contexts()) {
            var m = p.server() ? p.material() : null;
            if (m == null) {
                continue;
            }
            for (TlsCertificate c : m.getKey()) {
                byte[] staple = c.ocspStaple();
                if (staple == null) {
                    continue;
                }
                try {
                    long s = OcspResponse.parse(staple).secondsUntilExpiration(now);
                    min = min < 0 ? s : Math.min(min, s);
                } catch (IllegalArgumentException e) {
                    // refused when its context was built: it serves no handshake
                }
            }
        }
        if (min >= 0) {
            lastOcspSeconds.set(min);
        }
        return lastOcspSeconds.get();
    }
}
