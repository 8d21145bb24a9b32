package io.remora.network;

import io.netty.buffer.ByteBuf;

/**
 * A non-terminal network filter's instance for one connection (Envoy's {@code Network::Filter},
 * read and write): it sees the connection open, the bytes read (in configuration order) and the
 * bytes written (in reverse order), before the terminal filter (tcp_proxy, HTTP connection manager)
 * and the socket. A data buffer passed on with CONTINUE stays the chain's; the filter may consume
 * part of it (advance its reader index) or change it in place. Confined to the connection's loop.
 */
public interface ConnectionFilter {

    /** Called once, before anything else. */
    default void initialize(ConnectionFilterCallbacks callbacks) {
    }

    /** The connection was accepted; the terminal filter starts only when every filter continued. */
    default NetworkFilterStatus onNewConnection() {
        return NetworkFilterStatus.CONTINUE;
    }

    /**
     * Bytes read from downstream. While this filter holds iteration the chain accumulates what
     * arrives and calls again with all of it; {@code endStream} is the downstream half-close.
     */
    default NetworkFilterStatus onData(ByteBuf data, boolean endStream) {
        return NetworkFilterStatus.CONTINUE;
    }

    /** Bytes on their way to downstream. */
    default NetworkFilterStatus onWrite(ByteBuf data, boolean endStream) {
        return NetworkFilterStatus.CONTINUE;
    }

    /** The connection closed (either side); release what the filter holds. */
    default void onClose() {
    }
}
