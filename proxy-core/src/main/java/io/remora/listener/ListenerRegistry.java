package io.remora.listener;

import java.net.InetSocketAddress;

/** What an accepting listener needs to know of the others and of the server. */
public interface ListenerRegistry {

    /**
     * The listener bound (or configured with bind_to_port false) at this original destination:
     * exact IP:port first, then the wildcard address with that port; null when none.
     */
    ListenerRuntime forOriginalDestination(InetSocketAddress destination);

    /** A connection was accepted (counts towards the server's drain). */
    void connectionOpened();

    void connectionClosed();

    /**
     * Whether the connection limits and the overload manager let this listener take one more
     * connection (its ignore_global_conn_limit and bypass_overload_manager exempt it).
     */
    default io.remora.overload.ConnectionLimits.Refusal admit(io.remora.config.ListenerConfig listener) {
        return io.remora.overload.ConnectionLimits.Refusal.NONE;
    }

    /** Gives back the slot of a connection {@link #admit} let in. */
    default void released(io.remora.config.ListenerConfig listener) {
    }
}
