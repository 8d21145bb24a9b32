package io.remora.extensions.filters.http.ext_authz;

import io.remora.network.ConnectionInfo;
import io.remora.network.FilterState;
import io.remora.rbac.PeerIdentity;
import io.remora.tls.TlsConnection;

import java.util.List;

/**
 * The two ends of a connection as a CheckRequest names them (Envoy's
 * CheckRequestUtils::setAttrContextPeer and setTLSSession), for the HTTP and the network filter:
 * a principal is a certificate's first URI SAN, else its first DNS SAN, else its subject.
 */
public final class AuthzPeers {

    private AuthzPeers() {
    }

    /** The downstream peer's principal: its certificate's (or the filter state's identity), "" for none. */
    public static String source(ConnectionInfo connection, FilterState state) {
        PeerIdentity peer = PeerIdentity.of(connection, state);
        return peer == null ? "" : principal(peer.uriSans(), peer.dnsSans(), peer.subject());
    }

    /** This proxy's principal on a TLS connection: its own certificate's; "" on plaintext. */
    public static String destination(ConnectionInfo connection) {
        TlsConnection tls = connection == null ? null : connection.tls();
        if (tls == null || !tls.established()) {
            return "";
        }
        return principal(tls.localUriSans(), tls.localDnsSans(), tls.localSubject());
    }

    /**
     * {@code include_tls_session}'s SNI: the handshake's, else what tls_inspector read; "" when
     * neither (Envoy sends the session, empty, on plaintext too).
     */
    public static String tlsSessionSni(ConnectionInfo connection) {
        TlsConnection tls = connection.tls();
        if (tls != null && tls.established() && tls.serverName() != null && !tls.serverName().isEmpty()) {
            return tls.serverName();
        }
        return connection.serverName() == null ? "" : connection.serverName();
    }

    private static String principal(List<String> uriSans, List<String> dnsSans, String subject) {
        if (!uriSans.isEmpty()) {
            return uriSans.get(0);
        }
        if (!dnsSans.isEmpty()) {
            return dnsSans.get(0);
        }
        return subject == null ? "" : subject;
    }
}
