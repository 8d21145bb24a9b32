package io.remora.rbac;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.network.FilterState;

import java.net.SocketAddress;
import java.util.Map;

/**
 * What RBAC policies are checked against: one connection (network filter) or one request on it
 * (HTTP filter). Implemented by the filters over what they already hold, so a check allocates
 * nothing it does not use.
 */
public interface RbacInput {

    /** Request headers; empty (never null) for a connection, as Envoy's network filter passes. */
    Http2Headers headers();

    /** The (original, when recovered) destination of the connection. */
    SocketAddress localAddress();

    /** The peer of the socket, whatever client a PROXY header named ({@code direct_remote_ip}). */
    SocketAddress directRemoteAddress();

    /** The client as the connection manager trusts it, from {@code x-forwarded-for} where that applies ({@code remote_ip}). */
    SocketAddress remoteAddress();

    /** The connection's remote address: the client a PROXY header named, else the peer ({@code source_ip}). */
    default SocketAddress sourceAddress() {
        return directRemoteAddress();
    }

    /** SNI, or "" when the client sent none. */
    String requestedServerName();

    /** The TLS peer, or null on a plaintext connection. */
    PeerIdentity peerIdentity();

    /** Dynamic metadata by namespace (values: String, Boolean, Number, List, Map, or null). */
    Map<String, Map<String, Object>> dynamicMetadata();

    /** The filter metadata of the route the request took; null for a connection or without a route. */
    default Map<String, Map<String, Object>> routeMetadata() {
        return null;
    }

    /** Filter state (a request's, whose parent is its connection's), or null. */
    FilterState filterState();

    /** The runtime snapshot (the runtime_fraction input matcher of an RBAC matcher reads it). */
    default io.remora.runtime.Runtime runtime() {
        return io.remora.runtime.Runtime.EMPTY;
    }

    /** The request's stream info (HTTP), for the attributes of CEL conditions; null for a connection. */
    default io.remora.accesslog.StreamInfo streamInfo() {
        return null;
    }

    /** A connection's SNI: from tls_inspector, else from the TLS handshake; "" when none. */
    static String serverNameOf(io.remora.network.ConnectionInfo c) {
        String sni = c == null ? null : c.serverName();
        if (sni == null && c != null && c.tls() != null) {
            sni = c.tls().serverName();
        }
        return sni == null ? "" : sni;
    }
}
