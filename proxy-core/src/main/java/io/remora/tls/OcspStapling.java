package io.remora.tls;

import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.remora.config.TlsCertificate;
import io.remora.config.TlsOptions.OcspStaplePolicy;

import javax.net.ssl.SSLEngine;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The OCSP responses of one server context's certificates and its {@code ocsp_staple_policy}, applied
 * as Envoy's default certificate selector does: for a client whose hello asked for the status, the
 * certificate's response is stapled when valid; an expired one (STRICT_STAPLING) or a missing or
 * expired one (MUST_STAPLE, or any policy for a certificate carrying the must-staple extension)
 * fails the handshake, unless {@link CertificateSelector} finds another certificate that passes. Counted in
 * {@code ssl.ocsp_staple_requests}, {@code _responses}, {@code _omitted} and {@code _failed}.
 */
public final class OcspStapling {
    enum Action { STAPLE, NO_STAPLE, FAIL, CLIENT_NOT_CAPABLE }

    /** TLS feature (RFC 7633) with status_request: the certificate promises a staple. */
    private static final String TLS_FEATURE = "1.3.6.1.5.5.7.1.24";

    private record Entry(OcspResponse response, boolean mustStaple) {
    }

    private final Map<X509Certificate, Entry> byLeaf;
    private final OcspStaplePolicy policy;
    private final TlsStats stats;

    private OcspStapling(Map<X509Certificate, Entry> byLeaf, OcspStaplePolicy policy, TlsStats stats) {
        this.byLeaf = byLeaf;
        this.policy = policy;
        this.stats = stats;
    }

    /**
     * Envoy's ServerContextImpl checks: every staple parses and names its certificate's serial; a
     * must-staple certificate, or any under MUST_STAPLE, needs one.
     *
     * @param canStaple whether the TLS provider can send a staple (BoringSSL)
     */
    static OcspStapling create(List<TlsCertificate> certs, OcspStaplePolicy policy, TlsStats stats, boolean canStaple)
            throws GeneralSecurityException {
        Map<X509Certificate, Entry> byLeaf = new HashMap<>();
        for (TlsCertificate c : certs) {
            List<X509Certificate> chain = Pem.certificates(c.certificateChainPem());
            if (chain.isEmpty()) {
                continue;
            }
            X509Certificate leaf = chain.get(0);
            boolean mustStaple = mustStaple(leaf);
            byte[] staple = c.ocspStaple();
            OcspResponse response = null;
            if (staple == null) {
                if (mustStaple) {
                    throw new GeneralSecurityException("OCSP response is required for must-staple certificate");
                }
                if (policy == OcspStaplePolicy.MUST_STAPLE) {
                    throw new GeneralSecurityException("Required OCSP response is missing from TLS context");
                }
            } else {
                try {
                    response = OcspResponse.parse(staple);
                } catch (IllegalArgumentException e) {
                    throw new GeneralSecurityException(e.getMessage(), e);
                }
                if (!response.matches(leaf)) {
                    throw new GeneralSecurityException("OCSP response does not match its TLS certificate");
                }
                if (!canStaple) {
                    throw new GeneralSecurityException("ocsp_staple needs the BoringSSL TLS provider: JSSE cannot"
                            + " staple a given response");
                }
            }
            byLeaf.put(leaf, new Entry(response, mustStaple));
        }
        return new OcspStapling(Map.copyOf(byLeaf), policy, stats);
    }

    /**
     * One downstream certificate as Envoy's ServerContextImpl checks it under the policy; the failure's
     * message is Envoy's.
     */
    public static void check(TlsCertificate cert, OcspStaplePolicy policy) throws GeneralSecurityException {
        create(List.of(cert), policy, TlsStats.none(), true);
    }

    /** Whether the certificate's TLS feature extension lists status_request (5). */
    static boolean mustStaple(X509Certificate cert) {
        byte[] ext = cert.getExtensionValue(TLS_FEATURE);
        if (ext == null) {
            return false;
        }
        try {
            DerCursor features = new DerCursor(ext).next(DerCursor.OCTET_STRING).next(DerCursor.SEQUENCE);
            while (!features.empty()) {
                byte[] v = features.next(DerCursor.INTEGER).bytes();
                if (v.length == 1 && v[0] == 5) {
                    return true;
                }
            }
        } catch (IllegalArgumentException e) {
            return false; // BoringSSL would not have loaded it either way; treat as no promise
        }
        return false;
    }

    /** Envoy's ocspStapleAction. */
    Action action(X509Certificate leaf, boolean clientCapable) {
        if (!clientCapable) {
            return Action.CLIENT_NOT_CAPABLE;
        }
        Entry e = byLeaf.get(leaf);
        OcspResponse response = e == null ? null : e.response();
        OcspStaplePolicy p = e != null && e.mustStaple() ? OcspStaplePolicy.MUST_STAPLE : policy;
        boolean valid = response != null && !response.expired(Instant.now());
        return switch (p) {
            case LENIENT_STAPLING -> valid ? Action.STAPLE : Action.NO_STAPLE;
            case STRICT_STAPLING -> valid ? Action.STAPLE : response != null ? Action.FAIL : Action.NO_STAPLE;
            case MUST_STAPLE -> valid ? Action.STAPLE : Action.FAIL;
        };
    }

    /** The soonest nextUpdate among the staples, in seconds from now (0 if passed), or -1 without staples. */
    long secondsUntilFirstExpiring() {
        Instant now = Instant.now();
        long min = -1;
        for (Entry e : byLeaf.values()) {
            if (e.response() != null) {
                long s = e.response().secondsUntilExpiration(now);
                min = min < 0 ? s : Math.min(min, s);
            }
        }
        return min;
    }

    /** The response stapled with this leaf, or null. */
    OcspResponse response(X509Certificate leaf) {
        Entry e = byLeaf.get(leaf);
        return e == null ? null : e.response();
    }

    /**
     * Counts the action taken for a client whose hello asked for a staple (Envoy's selectTlsContext)
     * and hands the engine the response to staple.
     */
    void apply(SSLEngine engine, X509Certificate leaf, Action a) {
        if (a == Action.CLIENT_NOT_CAPABLE) {
            return;
        }
        stats.ocspStapleRequest();
        switch (a) {
            case STAPLE -> {
                ((ReferenceCountedOpenSslEngine) engine).setOcspResponse(byLeaf.get(leaf).response().der());
                stats.ocspStapleResponse();
            }
            case NO_STAPLE -> stats.ocspStapleOmitted();
            default -> stats.ocspStapleFailed();
        }
    }
}
