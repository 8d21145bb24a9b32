package io.remora.rbac;

import io.remora.network.FilterState;

import java.util.List;

/**
 * Who the downstream peer proved to be over TLS: the identities Envoy's {@code authenticated}
 * principal matches, in its order (URI SANs, then DNS SANs, then the subject). Taken from the
 * connection's established TLS state; a connection without one may still carry an identity in its
 * filter state under {@link #FILTER_STATE_KEY} (left there by a filter that authenticated the
 * peer another way, or by tests). A plaintext connection otherwise has none.
 *
 * @param uriSans URI SANs of the peer certificate (SPIFFE IDs in a mesh); empty if none
 * @param dnsSans DNS SANs of the peer certificate; empty if none
 * @param subject the peer certificate's subject in RFC 2253 form; "" when the peer sent no certificate
 * @param tls     the handshake the identity comes from (whether it validated the certificate, its
 *                other SANs); null for an identity from the filter state
 */
public record PeerIdentity(List<String> uriSans, List<String> dnsSans, String subject,
                           io.remora.tls.TlsConnection tls) {

    /** Where the connection's identity lives in its filter state. */
    public static final String FILTER_STATE_KEY = "remora.peer_identity";

    public PeerIdentity {
        uriSans = List.copyOf(uriSans);
        dnsSans = List.copyOf(dnsSans);
        subject = subject == null ? "" : subject;
    }

    public PeerIdentity(List<String> uriSans, List<String> dnsSans, String subject) {
        this(uriSans, dnsSans, subject, null);
    }

    /** The identity of the connection this state belongs to (a request's state sees its connection's), or null. */
    public static PeerIdentity of(FilterState state) {
        return state == null ? null : state.get(FILTER_STATE_KEY, PeerIdentity.class);
    }

    /**
     * The peer of a connection: from its TLS handshake (any TLS connection has one, with empty
     * SANs and subject when the client sent no certificate, as Envoy's {@code ssl()} is set),
     * else from the filter state; null for plaintext.
     */
    public static PeerIdentity of(io.remora.network.ConnectionInfo connection, FilterState state) {
        io.remora.tls.TlsConnection tls = connection == null ? null : connection.tls();
        if (tls != null && tls.established()) {
            return new PeerIdentity(tls.peerUriSans(), tls.peerDnsSans(), tls.peerSubject(), tls);
        }
        return of(state);
    }
}
