package io.remora.network;

import io.netty.channel.Channel;

/**
 * The runtime of a terminal network filter (tcp_proxy, http_connection_manager), built once per
 * filter chain config and shared by every connection that chain accepts.
 */
public interface NetworkFilter {

    /**
     * Takes over an accepted downstream connection: installs its handlers on the channel's
     * pipeline. Runs on the channel's event loop, after listener filters and the transport
     * socket; autoRead is on when it returns unless the filter turned it off.
     */
    void onAccept(Channel downstream, ConnectionInfo info);

    /**
     * The connection closed before the network filters ahead of this one let it through, so
     * {@link #onAccept} never ran. Envoy makes every filter of the chain with the connection, so a
     * tcp_proxy still logs such a connection as it ends.
     */
    default void onClosedBeforeStart(Channel downstream, ConnectionInfo info) {
    }

    /**
     * Begins draining this filter's connections (listener removed or changed, /drain_listeners):
     * HTTP/1.1 sends {@code connection: close} on a response, HTTP/2 sends GOAWAY, when {@code drain}
     * says the connection closes; TCP proxies are left to finish. Called on the control thread.
     */
    default void startDrain(io.remora.server.DrainDecision drain) {
    }

    /**
     * As {@link #startDrain}, for a server that shuts down: connections with nothing in progress
     * (an idle HTTP keep-alive) close now instead of holding the exit for the drain time.
     */
    default void startShutdownDrain() {
        startDrain(io.remora.server.DrainDecision.immediate());
    }
}
