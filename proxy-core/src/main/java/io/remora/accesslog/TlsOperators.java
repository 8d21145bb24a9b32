package io.remora.accesslog;

import io.remora.tls.TlsConnection;

import java.time.Instant;
import java.util.List;
import java.util.function.Function;

/**
 * Envoy's TLS command operators ({@code %DOWNSTREAM_PEER_URI_SAN%}, {@code %UPSTREAM_TLS_VERSION%},
 * ...): each reads the downstream or upstream {@link TlsConnection} of the stream; "-" on a
 * plaintext connection, as Envoy prints. {@code %TLS_JA3_FINGERPRINT%} is the downstream
 * connection's JA3 hash from tls_inspector ("-" without one).
 */
final class TlsOperators {
    private TlsOperators() {
    }

    /**
     * The value function of a TLS operator, or null when {@code name} is not one; {@code arg} is
     * the certificate validity operators' time format ("" for Envoy's default).
     */
    /** Both sides' certificate and session operators, each side's name without the side. */
    private static final String[] BOTH = {"PEER_URI_SAN", "PEER_DNS_SAN", "PEER_IP_SAN", "LOCAL_URI_SAN",
        "LOCAL_DNS_SAN", "LOCAL_IP_SAN", "PEER_SUBJECT", "PEER_ISSUER", "PEER_CERT", "TLS_VERSION", "TLS_CIPHER",
        "TLS_SESSION_ID"};
    /** The downstream connection's alone, as Envoy's formatter has them. */
    private static final String[] DOWNSTREAM_ONLY = {"PEER_EMAIL_SAN", "PEER_OTHERNAME_SAN", "LOCAL_EMAIL_SAN",
        "LOCAL_OTHERNAME_SAN", "LOCAL_SUBJECT", "PEER_SERIAL", "PEER_FINGERPRINT_256", "PEER_FINGERPRINT_1",
        "PEER_CHAIN_FINGERPRINTS_256", "PEER_CHAIN_FINGERPRINTS_1", "PEER_CHAIN_SERIALS"};

    /**
     * The operators of {@code side} ("DOWNSTREAM_" or "UPSTREAM_") that take no parameter, without
     * the side: Envoy's upstream has no local subject, serial, fingerprints or chain operators.
     */
    static String[] stems(String side) {
        if (side.equals("UPSTREAM_")) {
            return BOTH.clone();
        }
        String[] all = java.util.Arrays.copyOf(BOTH, BOTH.length + DOWNSTREAM_ONLY.length);
        System.arraycopy(DOWNSTREAM_ONLY, 0, all, BOTH.length, DOWNSTREAM_ONLY.length);
        return all;
    }

    static Function<StreamInfo, String> of(String name, String arg) {
        if (name.equals("DOWNSTREAM_TRANSPORT_FAILURE_REASON")) {
            // As Envoy's formatter: ' ' written as '_', as for UPSTREAM_TRANSPORT_FAILURE_REASON.
            return i -> {
                String r = i.downstreamTls() == null ? null : i.downstreamTls().failureReason();
                return r == null ? null : r.replace(' ', '_');
            };
        }
        if (name.equals("TLS_JA3_FINGERPRINT")) {
            return StreamInfo::ja3Hash; // of the hello, so there even when the handshake then fails
        }
        Function<TlsConnection, String> f;
        String stem;
        if (name.startsWith("DOWNSTREAM_")) {
            stem = name.substring("DOWNSTREAM_".length());
        } else if (name.startsWith("UPSTREAM_")) {
            stem = name.substring("UPSTREAM_".length());
        } else {
            return null;
        }
        if (!java.util.Arrays.asList(stems(name.startsWith("UPSTREAM_") ? "UPSTREAM_" : "DOWNSTREAM_")).contains(stem)
                && !stem.startsWith("PEER_CERT_V_")) {
            return null; // not one of Envoy's: "Not supported field in StreamInfo"
        }
        StartTimeFormat certTime = stem.startsWith("PEER_CERT_V_") ? timeFormat(arg) : null;
        f = switch (stem) {
            case "PEER_URI_SAN" -> t -> join(t.peerUriSans());
            case "PEER_DNS_SAN" -> t -> join(t.peerDnsSans());
            case "LOCAL_URI_SAN" -> t -> join(t.localUriSans());
            case "LOCAL_DNS_SAN" -> t -> join(t.localDnsSans());
            case "PEER_IP_SAN" -> t -> join(t.peerIpSans());
            case "LOCAL_IP_SAN" -> t -> join(t.localIpSans());
            case "PEER_EMAIL_SAN" -> t -> join(t.peerEmailSans());
            case "LOCAL_EMAIL_SAN" -> t -> join(t.localEmailSans());
            case "PEER_OTHERNAME_SAN" -> t -> join(t.peerOthernameSans());
            case "LOCAL_OTHERNAME_SAN" -> t -> join(t.localOthernameSans());
            case "PEER_SUBJECT" -> TlsConnection::peerSubject;
            case "PEER_ISSUER" -> TlsConnection::peerIssuer;
            case "LOCAL_SUBJECT" -> TlsConnection::localSubject;
            case "TLS_VERSION" -> TlsConnection::protocol;
            case "TLS_CIPHER" -> TlsConnection::cipher;
            case "TLS_SESSION_ID" -> TlsConnection::sessionId;
            case "PEER_SERIAL" -> TlsConnection::peerSerial;
            case "PEER_FINGERPRINT_256" -> TlsConnection::peerFingerprintSha256;
            case "PEER_CERT" -> TlsConnection::peerCertificatePemUrlEncoded;
            case "PEER_FINGERPRINT_1" -> t -> t.peerCertificate() == null ? null
                    : digest(t.peerCertificate(), "SHA-1");
            // Each certificate the peer sent, its own first, joined by ',' as Envoy's.
            case "PEER_CHAIN_FINGERPRINTS_256" -> t -> eachOfChain(t, c -> digest(c, "SHA-256"));
            case "PEER_CHAIN_FINGERPRINTS_1" -> t -> eachOfChain(t, c -> digest(c, "SHA-1"));
            case "PEER_CHAIN_SERIALS" -> t -> eachOfChain(t, c -> c.getSerialNumber().toString(16));
            case "PEER_CERT_V_START" -> t -> time(t.peerValidFrom(), certTime);
            case "PEER_CERT_V_END" -> t -> time(t.peerValidUntil(), certTime);
            default -> null;
        };
        if (f == null) {
            return null;
        }
        boolean downstream = name.startsWith("DOWNSTREAM_");
        Function<TlsConnection, String> g = f;
        return i -> {
            TlsConnection t = downstream ? i.downstreamTls() : i.upstreamTls;
            return t == null || !t.established() ? null : g.apply(t);
        };
    }

    private static String eachOfChain(TlsConnection t, Function<java.security.cert.X509Certificate, String> f) {
        List<String> out = new java.util.ArrayList<>(t.peerChain().size());
        for (java.security.cert.X509Certificate c : t.peerChain()) {
            String v = f.apply(c);
            if (v != null) {
                out.add(v);
            }
        }
        return join(out);
    }

    /** The certificate's DER digest in lower-case hex, as Envoy prints fingerprints. */
    private static String digest(java.security.cert.X509Certificate c, String algorithm) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance(algorithm)
                    .digest(c.getEncoded()));
        } catch (java.security.cert.CertificateEncodingException | java.security.NoSuchAlgorithmException e) {
            return null;
        }
    }

    private static String join(List<String> v) {
        return v.isEmpty() ? null : String.join(",", v);
    }

    /**
     * Envoy's default for the certificate validity operators, ISO-8601 with milliseconds, or the
     * given time format (as %START_TIME(...)%'s).
     */
    private static String time(Instant t, StartTimeFormat format) {
        if (t == null) {
            return null;
        }
        if (format == null) {
            return java.time.format.DateTimeFormatter.ISO_INSTANT.format(t.truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
        }
        StringBuilder sb = new StringBuilder(32);
        format.append(sb, t.toEpochMilli());
        return sb.toString();
    }

    /** Compiled once, when the operator is: null for the default. */
    private static StartTimeFormat timeFormat(String arg) {
        return arg.isEmpty() ? null : StartTimeFormat.of(arg);
    }
}
