package io.remora.rbac;

import io.remora.network.FilterState;

import java.util.List;

/**
 * Who the downstream peer proved to be over TLS: the identities Envoy's {@code authenticated}
 * principal matches, in its order (URI SANs, then DNS SANs, then the subject). The transport
 * socket leaves one in the connection's filter state under {@link #FILTER_STATE_KEY}; a plaintext
 * connection has none.
 *
 * @param uriSans URI SANs of the peer certificate (SPIFFE IDs in a mesh); empty if none
 * @param dnsSans DNS SANs of the peer certificate; empty if none
 * @param subject the peer certificate's subject in RFC 2253 form; "" when the peer sent no certificate
 */
public record PeerIdentity(List<String> uriSans, List<String> dnsSans, String subject) {

    /** Where the connection's identity lives in its filter state. */
    public static final String FILTER_STATE_KEY = "remora.peer_identity";

    public PeerIdentity {
        uriSans = List.copyOf(uriSans);
        dnsSans = List.copyOf(dnsSans);
        subject = subject == null ? "" : subject;
    }

    /** The identity of the connection this state belongs to (a request's state sees its connection's), or null. */
    public static PeerIdentity of(FilterState state) {
        return state == null ? null : state.get(FILTER_STATE_KEY, PeerIdentity.class);
    }
}
