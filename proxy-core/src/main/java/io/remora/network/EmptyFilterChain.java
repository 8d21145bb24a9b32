package io.remora.network;

import io.netty.channel.Channel;
import io.remora.log.LogTags;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The runtime of a filter chain with no network filters ({@code filters: []}). Envoy accepts such
 * a chain (its docs' internal listener and TLS examples have one) and closes each connection it
 * takes at once, before any byte is read: there is nothing to serve it.
 */
public final class EmptyFilterChain implements NetworkFilter {
    public static final EmptyFilterChain INSTANCE = new EmptyFilterChain();
    private static final Logger LOG = Logger.getLogger(EmptyFilterChain.class.getName());

    private EmptyFilterChain() {
    }

    @Override
    public void onAccept(Channel downstream, ConnectionInfo info) {
        if (LOG.isLoggable(Level.FINE)) {
            LOG.fine(LogTags.conn(info.connectionId()) + "closing connection from " + info.remoteAddress()
                    + ": no filters");
        }
        downstream.close();
    }
}
