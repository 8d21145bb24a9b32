package io.remora.extensions.cel;

import io.remora.rbac.PeerIdentity;
import io.remora.tls.TlsConnection;

import java.util.List;

/** The certificate attributes {@code connection.*} and {@code upstream.*} share (Envoy's names). */
final class TlsAttributes {

    static final List<String> CONNECTION_KEYS = List.of("id", "mtls", "requested_server_name", "tls_version",
            "subject_local_certificate", "subject_peer_certificate", "dns_san_local_certificate",
            "dns_san_peer_certificate", "uri_san_local_certificate", "uri_san_peer_certificate",
            "sha256_peer_certificate_digest", "termination_details");
    static final List<String> UPSTREAM_KEYS = List.of("address", "port", "tls_version", "subject_local_certificate",
            "subject_peer_certificate", "dns_san_local_certificate", "dns_san_peer_certificate",
            "uri_san_local_certificate", "uri_san_peer_certificate", "sha256_peer_certificate_digest",
            "local_address", "transport_failure_reason", "request_attempt_count");

    private TlsAttributes() {
    }

    /** A certificate attribute of a TLS connection; absent on plaintext. {@code mtls} only downstream. */
    static Object of(TlsConnection tls, String key, boolean downstream) {
        if (key.equals("mtls") && downstream) {
            return tls != null && tls.established() && tls.peerCertificate() != null;
        }
        if (tls == null || !tls.established()) {
            return null;
        }
        return switch (key) {
            case "tls_version" -> tls.protocol();
            case "subject_local_certificate" -> tls.localCertificate() == null ? null : tls.localSubject();
            case "subject_peer_certificate" -> tls.peerCertificate() == null ? null : tls.peerSubject();
            case "dns_san_local_certificate" -> first(tls.localDnsSans());
            case "dns_san_peer_certificate" -> first(tls.peerDnsSans());
            case "uri_san_local_certificate" -> first(tls.localUriSans());
            case "uri_san_peer_certificate" -> first(tls.peerUriSans());
            case "sha256_peer_certificate_digest" -> tls.peerCertificate() == null ? null : tls.peerFingerprintSha256();
            default -> null;
        };
    }

    /** What a connection-level RBAC check knows of the peer: its certificate's names. */
    static Object of(PeerIdentity peer, String key) {
        if (key.equals("mtls")) {
            return peer != null;
        }
        if (peer == null) {
            return null;
        }
        return switch (key) {
            case "subject_peer_certificate" -> peer.subject().isEmpty() ? null : peer.subject();
            case "dns_san_peer_certificate" -> first(peer.dnsSans());
            case "uri_san_peer_certificate" -> first(peer.uriSans());
            default -> null;
        };
    }

    private static String first(List<String> values) {
        return values.isEmpty() ? null : values.get(0);
    }
}
