package io.remora.server;

import io.remora.listener.ListenerRegistry;
import io.remora.listener.ListenerRuntime;
import io.remora.overload.ConnectionLimits;
import io.remora.overload.OverloadManager;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What an accepted connection asks of the server: admission (overload's stop_accepting_connections
 * and the connection limits), the count of open connections, and the listener use_original_dst
 * hands it to, read from the snapshot published last.
 */
final class ServerListenerRegistry implements ListenerRegistry {
    private final Server server;
    private final AtomicLong activeConnections = new AtomicLong();

    ServerListenerRegistry(Server server) {
        this.server = server;
    }

    long activeConnections() {
        return activeConnections.get();
    }

    @Override
    public ListenerRuntime forOriginalDestination(InetSocketAddress destination) {
        return server.snapshot().forOriginalDestination(destination);
    }

    @Override
    public void connectionOpened() {
        activeConnections.incrementAndGet();
    }

    @Override
    public void connectionClosed() {
        activeConnections.decrementAndGet();
    }

    @Override
    public ConnectionLimits.Refusal admit(io.remora.config.ListenerConfig listener) {
        OverloadManager o = server.overload();
        if (o == null) {
            return ConnectionLimits.Refusal.NONE;
        }
        if (!listener.bypassOverloadManager()
                && (o.stopAcceptingConnections.isSaturated() || o.shedListenerAccept.shouldShedLoad())) {
            return ConnectionLimits.Refusal.OVERLOAD;
        }
        return o.connections().tryAcquire(listener.name(), !listener.ignoreGlobalConnLimit());
    }

    @Override
    public void released(io.remora.config.ListenerConfig listener) {
        OverloadManager o = server.overload();
        if (o != null) {
            o.connections().release(listener.name(), !listener.ignoreGlobalConnLimit());
        }
    }
}
