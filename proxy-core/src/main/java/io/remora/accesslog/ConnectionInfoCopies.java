package io.remora.accesslog;

import io.remora.network.ConnectionInfo;

/**
 * A stream's view of its connection with one fact set differently (a stream info made without the
 * listener's view, or a test): a copy, since the connection's view is shared by its streams.
 */
final class ConnectionInfoCopies {

    private ConnectionInfoCopies() {
    }

    /** {@code c} (or an empty view) with {@code sni} as its server name. */
    static ConnectionInfo withServerName(ConnectionInfo c, String sni) {
        return c == null
                ? new ConnectionInfo(null, null, null, null, sni, null, null, null, null, null, -1,
                        ConnectionInfo.DEFAULT_BUFFER_LIMIT)
                : new ConnectionInfo(c.origin(), c.localAddress(), c.remoteAddress(),
                        c.originalDestination(), sni, c.transportProtocol(), c.applicationProtocols(), c.tls(),
                        c.originalSource(), c.connectionId(), c.ja3Hash());
    }

    /** {@code c} (or an empty view) with {@code name} as its filter chain's name. */
    static ConnectionInfo withFilterChainName(ConnectionInfo c, String name) {
        return c == null
                ? new ConnectionInfo(null, null, null, null, null, null, null, null, null, name, -1,
                        ConnectionInfo.DEFAULT_BUFFER_LIMIT)
                : new ConnectionInfo(new ConnectionInfo.Origin(c.listenerName(), name, c.bufferLimit(),
                        c.listenerMetadata()), c.localAddress(), c.remoteAddress(), c.originalDestination(),
                        c.serverName(), c.transportProtocol(), c.applicationProtocols(), c.tls(), c.originalSource(),
                        c.connectionId(), c.ja3Hash());
    }
}
