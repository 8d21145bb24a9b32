package io.remora.admin;

import io.remora.config.CertificateValidation;
import io.remora.config.TlsCertificate;
import io.remora.tls.Pem;
import io.remora.tls.SecretManager;
import io.remora.tls.TlsContextProvider;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Envoy's admin {@code /certs}: for every TLS context in use, its CA certificates and its
 * certificate chain, each with serial, SANs, validity and days until expiration.
 */
final class CertsEndpoint {
    private CertsEndpoint() {
    }

    static AdminResponse render(SecretManager secrets) {
        List<Object> out = new ArrayList<>();
        if (secrets != null) {
            for (TlsContextProvider p : secrets.contexts()) {
                var m = p.material();
                if (m == null) {
                    continue; // secrets not arrived: nothing in use yet
                }
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("ca_cert", details(m.getValue().trustedCaPem(), false));
                List<Object> chain = new ArrayList<>();
                for (TlsCertificate c : m.getKey()) {
                    List<Object> leaf = details(c.certificateChainPem(), true);
                    if (!leaf.isEmpty() && p.server()) {
                        ocspDetails(c.ocspStaple(), leaf.get(0));
                    }
                    chain.addAll(leaf);
                }
                entry.put("cert_chain", chain);
                out.add(entry);
            }
        }
        return AdminResponse.json(Json.write(Map.of("certificates", out)) + "\n");
    }

    /** Envoy's ocsp_details of a listener certificate's staple: thisUpdate, and nextUpdate (none: now). */
    @SuppressWarnings("unchecked")
    private static void ocspDetails(byte[] staple, Object leaf) {
        if (staple == null) {
            return;
        }
        try {
            io.remora.tls.OcspResponse r = io.remora.tls.OcspResponse.parse(staple);
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("valid_from", r.thisUpdate().toString());
            d.put("expiration", (r.nextUpdate() == null ? Instant.now() : r.nextUpdate()).toString());
            ((Map<String, Object>) leaf).put("ocsp_details", d);
        } catch (IllegalArgumentException e) {
            // refused when its context was built: nothing stapled to show
        }
    }

    private static List<Object> details(String pem, boolean leafOnly) {
        List<Object> out = new ArrayList<>();
        if (pem == null) {
            return out;
        }
        List<X509Certificate> certs;
        try {
            certs = Pem.certificates(pem);
        } catch (java.security.GeneralSecurityException e) {
            return out;
        }
        for (X509Certificate c : leafOnly && !certs.isEmpty() ? certs.subList(0, 1) : certs) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("path", "<inline>");
            d.put("serial_number", c.getSerialNumber().toString(16));
            d.put("subject_alt_names", sans(c));
            long days = Duration.between(Instant.now(), c.getNotAfter().toInstant()).toDays();
            d.put("days_until_expiration", String.valueOf(Math.max(0, days)));
            d.put("valid_from", c.getNotBefore().toInstant().toString());
            d.put("expiration_time", c.getNotAfter().toInstant().toString());
            out.add(d);
        }
        return out;
    }

    private static List<Object> sans(X509Certificate c) {
        List<Object> out = new ArrayList<>();
        try {
            var all = c.getSubjectAlternativeNames();
            if (all != null) {
                for (List<?> san : all) {
                    String key = switch ((Integer) san.get(0)) {
                        case 1 -> "email";
                        case 2 -> "dns";
                        case 6 -> "uri";
                        case 7 -> "ip_address";
                        default -> null;
                    };
                    if (key != null) {
                        out.add(Map.of(key, String.valueOf(san.get(1))));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // no SANs to show
        }
        return out;
    }
}
