package io.remora.extensions.filters.http.ext_authz;

import io.remora.config.NodeInfo;
import io.remora.network.ConnectionInfo;
import io.remora.network.FilterState;
import io.remora.rbac.PeerIdentity;
import io.remora.server.ServerContext;
import io.remora.tls.TlsConnection;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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

    /**
     * {@code bootstrap_metadata_labels_key}: the destination's labels, the string fields of the
     * node metadata's struct under that key (another value reads as "", as Envoy's
     * string_value()); empty when the key is "" or names no struct.
     */
    public static Map<String, String> destinationLabels(ServerContext context, String key) {
        NodeInfo node = key.isEmpty() ? null : context.node();
        if (node == null || node.metadata() == null || !(node.metadata().get(key) instanceof Map<?, ?> labels)) {
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        labels.forEach((k, v) -> out.put(String.valueOf(k), v instanceof String str ? str : ""));
        return Map.copyOf(out);
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
